"""The purge queries of `crampvoice.retention`, and the erasures waiting for the SMS
provider's stored messages to be deleted (the one table that holds a number after an
erasure, and only until the worker's next run has deleted them at Twilio)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session

from crampvoice.storage import budgets
from crampvoice.storage.models import (
    DeliveryFailure,
    Event,
    OptOut,
    OutboxMessage,
    PendingErasure,
    Person,
    ProcessedMessage,
    Send,
    Subscription,
)
from crampvoice.storage.people import number_key

#: Twilio's own reply to the ERASE is still on its way when the erasure commits: the
#: stored messages are deleted once it is surely sent.
SETTLE = timedelta(minutes=2)
RETRY = timedelta(minutes=15)
MAX_ATTEMPTS = 20


def _gone(session: Session, statement: object) -> int:
    result = session.execute(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)


def purge(
    session: Session, cutoffs: Mapping[str, datetime | None], budgets_before: datetime
) -> dict[str, int]:
    """Delete what is older than each period's cutoff (None: kept), and the reply budgets
    whose window started before `budgets_before`; how many rows of each."""
    counts: dict[str, int] = {}

    def cut(name: str) -> datetime | None:
        return cutoffs.get(name)

    if (at := cut("replies")) is not None:
        counts["replies"] = _gone(session, delete(ProcessedMessage)
                                  .where(ProcessedMessage.created_at < at))
    if (at := cut("outbox")) is not None:
        counts["outbox"] = _gone(session, delete(OutboxMessage)
                                 .where(OutboxMessage.created_at < at))
    if (at := cut("failures")) is not None:
        counts["failures"] = _gone(session, delete(DeliveryFailure)
                                   .where(DeliveryFailure.created_at < at))
    if (at := cut("sends")) is not None:
        counts["sends"] = _gone(session, delete(Send).where(Send.created_at < at)
                                .where(Send.status.notin_(("pending", "sending"))))
    if (at := cut("event_senders")) is not None:
        counts["event_senders"] = _gone(session, update(Event)
                                        .where(Event.at < at, Event.sender.is_not(None))
                                        .values(sender=None))
    if (at := cut("events")) is not None:
        counts["events"] = _gone(session, delete(Event).where(Event.at < at))
    if (at := cut("people")) is not None:
        active = exists().where(and_(Subscription.person_id == Person.id, Subscription.active))
        counts["people"] = _gone(session, delete(Person)
                                 .where(Person.updated_at < at, ~active)
                                 .execution_options(synchronize_session=False))
    if (at := cut("opt_outs")) is not None:
        counts["opt_outs"] = _gone(session, delete(OptOut).where(OptOut.created_at < at))
    counts["budgets"] = budgets.purge(session, budgets_before)
    return counts


def request_erasure(session: Session, number: str, at: datetime) -> None:
    """Remember to delete the provider's stored messages for `number` (after SETTLE)."""
    key = number_key(number)
    if session.get(PendingErasure, key) is None:
        session.add(PendingErasure(number=key, not_before=at + SETTLE, attempts=0))


def waiting_erasures(session: Session, now: datetime) -> list[str]:
    return list(session.scalars(
        select(PendingErasure.number).where(PendingErasure.not_before <= now)
        .order_by(PendingErasure.not_before).limit(100)
    ))


def finish_erasure(session: Session, number: str, done: bool, now: datetime) -> None:
    found = session.get(PendingErasure, number)
    if found is None:
        return
    if done or found.attempts + 1 >= MAX_ATTEMPTS:
        session.delete(found)
    else:
        found.attempts += 1
        found.not_before = now + RETRY
