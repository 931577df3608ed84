"""The SMS service's storage port (`crampvoice.texting.port`) on the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crampvoice.storage import (
    budgets,
    consent,
    conversations,
    erasure,
    events,
    retention,
    schedules,
)
from crampvoice.storage.database import Store
from crampvoice.texting.budget import Spent
from crampvoice.texting.port import Conflict, Conversation

log = logging.getLogger("crampvoice.sms")


class SqlTransaction:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.erased = False

    def processed_reply(self, sid: str) -> str | None:
        return conversations.processed_reply(self.session, sid)

    def open_conversation(
        self, number: str, *, locale_for: Callable[[str], str], at: datetime
    ) -> Conversation:
        return conversations.open_conversation(self.session, number, locale_for=locale_for, at=at)

    def close_conversation(
        self,
        conversation: Conversation,
        *,
        sid: str,
        reply: str,
        state: dict[str, Any] | None,
        counted: bool,
        window: timedelta,
        at: datetime,
    ) -> None:
        conversations.close_conversation(
            self.session, conversation, sid=sid, reply=reply, state=state, counted=counted,
            window=window, at=at,
        )

    def record_processed(self, sid: str, reply: str, at: datetime) -> None:
        conversations.record_processed(self.session, sid, reply, at)

    def spent(self, key: str, at: datetime, window: timedelta) -> Spent:
        return budgets.spent(self.session, key, at, window)

    def spend(self, key: str, at: datetime, window: timedelta, *, escalation: bool) -> None:
        budgets.spend(self.session, key, at, window, escalation=escalation)

    def erase(self, number: str, *, sender: str | None) -> None:
        erasure.erase(self.session, number, sender=sender)
        self.erased = True

    def request_provider_erasure(self, number: str, at: datetime) -> None:
        retention.request_erasure(self.session, number, at)

    def opt_out(self, number: str, source: str, at: datetime) -> None:
        consent.opt_out(self.session, number, source, at)

    def opt_in(self, number: str) -> None:
        consent.opt_in(self.session, number)

    def save_subscription(
        self,
        person_id: int,
        *,
        at: time | None,
        zone: str,
        active: bool,
        next_send_at: datetime | None,
        now: datetime,
    ) -> None:
        schedules.save_subscription(
            self.session, person_id, at=at, zone=zone, active=active,
            next_send_at=next_send_at, now=now,
        )

    def record_event(
        self,
        *,
        channel: str,
        intent: str,
        triage: str,
        locale: str,
        answered: bool,
        at: datetime,
        sender: str | None = None,
        text: str | None = None,
    ) -> None:
        events.record_event(
            self.session, channel=channel, intent=intent, triage=triage, locale=locale,
            answered=answered, at=at, sender=sender, text=text,
        )

    def record_delivery(
        self,
        number: str,
        message_sid: str,
        status: str,
        error_code: str | None,
        at: datetime,
        *,
        failure_limit: int,
    ) -> None:
        consent.record_delivery(
            self.session, number, message_sid, status, error_code, at,
            failure_limit=failure_limit,
        )


class SqlTexting:
    """The port over a `Store`: each transaction one database transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        try:
            with self.store.transaction() as session:
                tx = SqlTransaction(session)
                yield tx
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error
        if tx.erased and not self.store.forget_traces():  # committed: now out of the WAL
            log.warning("sms: the WAL was busy after an erasure; housekeeping will truncate it")
