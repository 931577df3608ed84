"""Sending a text outside a webhook reply (reminders, scheduled messages).

Every send passes the same gate: GSM-7 within its budget (`render.check_sms`), and
never to a stopped number, nor a scheduled message to a number whose deliveries
keep failing. With Twilio credentials the message goes through the REST API, once:
a send that may have gone through is never retried (the API is not idempotent).
Without credentials it is kept in the outbox table, so the whole path runs locally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from crampvoice import render
from crampvoice.content import SMS_TWO_SEGMENTS
from crampvoice.storage import Store, repository
from crampvoice_sms.config import TwilioAccount
from crampvoice_sms.privacy import NumberHasher

log = logging.getLogger("crampvoice.sms")

REST_TIMEOUT_SECONDS = 10

Status = Literal["sent", "queued", "blocked", "failed", "unknown"]


@dataclass(frozen=True)
class SendResult:
    status: Status  # sent (Twilio accepted it), queued (outbox), blocked, failed, unknown
    sid: str | None = None
    error_code: str | None = None


class Sender:
    def __init__(
        self,
        store: Store,
        account: TwilioAccount,
        hasher: NumberHasher,
        client: Client | None = None,
        clock: Callable[[], datetime] = repository.utcnow,
    ) -> None:
        self.store = store
        self.account = account
        self.hasher = hasher
        self.clock = clock
        if client is None and account.live:
            http = TwilioHttpClient(timeout=REST_TIMEOUT_SECONDS)
            client = Client(account.account_sid, account.auth_token, http_client=http)
        self.client = client

    def send(
        self, to: str, text: str, *, budget: int = SMS_TWO_SEGMENTS, scheduled: bool = False
    ) -> SendResult:
        """Send one text (BudgetError if it is not GSM-7 within `budget`: nothing is sent)."""
        text = render.check_sms(text, budget)
        with self.store.transaction() as session:
            if not repository.may_send(session, to, scheduled=scheduled):
                log.info("sms out to=%s blocked (stopped, or scheduled sends off)", self.hasher(to))
                return SendResult("blocked")
            if self.client is None:
                repository.add_outbox(
                    session, to, text, status="queued", at=self.clock(), scheduled=scheduled
                )
                log.info(
                    "sms out to=%s queued in the outbox (no Twilio credentials)", self.hasher(to)
                )
                return SendResult("queued")
        result = self._deliver(self.client, to, text)
        with self.store.transaction() as session:
            if result.error_code == repository.OPTED_OUT_ERROR:
                repository.opt_out(session, to, repository.OPTED_OUT_ERROR, self.clock())
            repository.add_outbox(
                session,
                to,
                text,
                status=result.status,
                at=self.clock(),
                scheduled=scheduled,
                sid=result.sid,
                error_code=result.error_code,
            )
        log.info(
            "sms out to=%s %s %s error=%s",
            self.hasher(to),
            result.status,
            result.sid or "-",
            result.error_code or "-",
        )
        return result

    def _deliver(self, client: Client, to: str, text: str) -> SendResult:
        params: dict[str, Any] = {
            "to": repository.number_key(to),
            "body": text,
            "status_callback": self.account.status_callback,
        }
        if self.account.messaging_service_sid:
            params["messaging_service_sid"] = self.account.messaging_service_sid
        else:
            params["from_"] = self.account.from_number
        try:
            message = client.messages.create(**params)
        except TwilioRestException as error:  # Twilio answered: it was not sent
            return SendResult("failed", error_code=str(error.code) if error.code else None)
        except Exception:  # no answer: it may have gone out, so it is not retried
            log.warning("sms out: no answer from Twilio; not retried", exc_info=False)
            return SendResult("unknown")
        return SendResult("sent", sid=str(message.sid))
