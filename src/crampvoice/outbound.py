"""Sending a text outside a webhook reply (bedtime prompts, scheduled messages).

Every send passes the same gate: GSM-7 within its budget (`render.check_sms`), and
never to a stopped number, nor a scheduled message to a number whose deliveries
keep failing. With a transport (the SMS adapter's Twilio REST client) the message goes
out once: a send that may have gone through is never retried (the API is not
idempotent). Without one it is kept in the outbox table, so the whole path runs locally.

No twilio here: the transport is any `Transport` callable, given by the composition root.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from crampvoice import render
from crampvoice.content import SMS_ONE_SEGMENT, SMS_TWO_SEGMENTS
from crampvoice.storage import Store, repository

log = logging.getLogger("crampvoice.sms")

Status = Literal["sent", "queued", "blocked", "failed", "unknown"]


@dataclass(frozen=True)
class SendResult:
    status: Status  # sent (accepted), queued (outbox), blocked, failed, unknown
    sid: str | None = None
    error_code: str | None = None


#: Deliver one text to one number, once: "sent" with its sid, "failed" with the
#: provider's error code, or "unknown" when no answer came (it may have gone out).
Transport = Callable[[str, str], SendResult]


@runtime_checkable
class Forgets(Protocol):
    """A transport that can delete what the provider stores about a number (Twilio's
    stored messages), after an erasure."""

    def forget(self, number: str) -> int: ...


class Sender:
    def __init__(
        self,
        store: Store,
        transport: Transport | None,
        hasher: Callable[[str], str],
        clock: Callable[[], datetime] = repository.utcnow,
    ) -> None:
        self.store = store
        self.transport = transport
        self.hasher = hasher
        self.clock = clock

    def send(
        self, to: str, text: str, *, budget: int = SMS_TWO_SEGMENTS, scheduled: bool = False
    ) -> SendResult:
        """Send one text (BudgetError if it is not GSM-7 within `budget`: nothing is sent)."""
        text = render.check_sms(text, budget)
        with self.store.transaction() as session:
            if not repository.may_send(session, to, scheduled=scheduled):
                log.info("sms out to=%s blocked (stopped, or scheduled sends off)", self.hasher(to))
                return SendResult("blocked")
            if self.transport is None:
                repository.add_outbox(
                    session, to, text, status="queued", at=self.clock(), scheduled=scheduled
                )
                log.info(
                    "sms out to=%s queued in the outbox (no Twilio credentials)", self.hasher(to)
                )
                return SendResult("queued")
        result = self.transport(repository.number_key(to), text)
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

    def prompt(self, number: str, text: str) -> SendResult:
        """A bedtime prompt: a scheduled message of one segment (the worker's `SendText`)."""
        return self.send(number, text, budget=SMS_ONE_SEGMENT, scheduled=True)
