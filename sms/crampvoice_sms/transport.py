"""Twilio's REST API as the core's `Transport` (crampvoice.outbound): one POST per text,
never retried, with the status callback at CRAMPVOICE_PUBLIC_URL + /sms/status.

The composition root (`crampvoice.composition.build`) is given `TwilioTransport.for_account`
by the entry points that send (the web app and the worker); no Flask here.
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from crampvoice.outbound import SendResult
from crampvoice.settings import TwilioAccount

log = logging.getLogger("crampvoice.sms")

REST_TIMEOUT_SECONDS = 10


class TwilioTransport:
    def __init__(self, account: TwilioAccount, client: Client | None = None) -> None:
        self.account = account
        if client is None:
            http = TwilioHttpClient(timeout=REST_TIMEOUT_SECONDS)
            client = Client(account.account_sid, account.auth_token, http_client=http)
        self.client = client

    @classmethod
    def for_account(cls, account: TwilioAccount) -> TwilioTransport | None:
        """A transport when the account is live (real credentials), else None: the outbox."""
        return cls(account) if account.live else None

    def forget(self, number: str) -> int:
        """Delete every message Twilio stores to and from `number` (Messages list by To,
        then by From; each deleted); how many. Raises on a failure: the caller retries."""
        gone = 0
        for direction in ({"to": number}, {"from_": number}):
            for message in self.client.messages.list(**direction, page_size=1000):
                self.client.messages(message.sid).delete()
                gone += 1
        log.info("sms: %d stored messages deleted at Twilio after an erasure", gone)
        return gone

    def __call__(self, to: str, text: str) -> SendResult:
        params: dict[str, Any] = {
            "to": to,
            "body": text,
            "status_callback": self.account.status_callback,
        }
        if self.account.messaging_service_sid:
            params["messaging_service_sid"] = self.account.messaging_service_sid
        else:
            params["from_"] = self.account.from_number
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as error:  # Twilio answered: it was not sent
            return SendResult("failed", error_code=str(error.code) if error.code else None)
        except Exception:  # no answer: it may have gone out, so it is not retried
            log.warning("sms out: no answer from Twilio; not retried", exc_info=False)
            return SendResult("unknown")
        return SendResult("sent", sid=str(message.sid))
