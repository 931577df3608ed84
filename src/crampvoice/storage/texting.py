"""The SMS service's storage port (`crampvoice.texting.port`) on the database.

The turn's read is one read-only transaction of two statements (the conversation, the
reply budgets: `read_turn`; no write lock on SQLite); its write is one short write
transaction of SQLAlchemy Core statements (`conversations.save_turn`, `budgets.spend`). The
rarer actions of a turn (opt-out, erasure, bedtime) use the ORM on the same connection,
in the same transaction. Database errors other than a taken unique key become
`Unavailable`: the caller answers without the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
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
from crampvoice.texting.port import Conflict, Conversation, TurnEvent, Unavailable

log = logging.getLogger("crampvoice.sms")


class SqlTransaction:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None
        self.erased = False

    @property
    def session(self) -> Session:
        """An ORM session on this transaction's connection, made when first needed."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def finish(self) -> None:
        if self._session is not None:
            self._session.flush()
            self._session.close()

    def save_turn(
        self,
        conversation: Conversation,
        *,
        number: str,
        sid: str,
        reply: str,
        state: dict[str, Any] | None,
        at: datetime,
        event: TurnEvent | None,
    ) -> int:
        return conversations.save_turn(
            self.connection, conversation, number=number, sid=sid, reply=reply, state=state,
            at=at, event=event,
        )

    def record_processed(self, sid: str, reply: str, at: datetime) -> None:
        conversations.record_processed(self.session, sid, reply, at)

    def spend(self, key: str, at: datetime, window: timedelta, *, escalation: bool) -> None:
        budgets.spend(self.connection, key, at, window, escalation=escalation)

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


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        raise Conflict(str(error.orig)) from error
    except SQLAlchemyError as error:  # down, locked, read-only, out of connections, bad data
        raise Unavailable(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from error


class SqlTexting:
    """The port over a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def read_turn(
        self,
        number: str,
        budget_key: str,
        *,
        locale_for: Callable[[str], str],
        at: datetime,
        window: timedelta,
    ) -> tuple[Conversation, Spent]:
        with _translated(), self.store.lookup() as connection:
            return conversations.read_turn(
                connection, number, budget_key, locale_for=locale_for, at=at, window=window
            )

    def processed_reply(self, sid: str) -> str | None:
        with _translated(), self.store.read() as session:
            return conversations.processed_reply(session, sid)

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with _translated(), self.store.connection() as connection:
            tx = SqlTransaction(connection)
            yield tx
            tx.finish()
        if tx.erased and not self.store.forget_traces():  # committed: now out of the WAL
            log.warning("sms: the WAL was busy after an erasure; housekeeping will truncate it")
