"""The webhook's turn: a conversation opened (row locked) and closed, and the
MessageSids already answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from crampvoice.bedtime import Schedule
from crampvoice.storage.models import (
    OptOut,
    Person,
    ProcessedMessage,
    Subscription,
)
from crampvoice.storage.people import add_person, is_stopped, number_key
from crampvoice.texting.port import Conversation


def processed_reply(session: Session, sid: str) -> str | None:
    """The reply already given to this MessageSid ("" for none), or None if it is new."""
    reply: str | None = session.scalar(
        select(ProcessedMessage.reply).where(ProcessedMessage.sid == sid)
    )
    return reply


# The webhook's statements, built once (building a statement costs more than running it)
# and run on the session's connection (the ORM layer adds nothing to them).
_PEOPLE: Table = Person.__table__  # type: ignore[assignment]
_OPEN = (
    select(
        Person.id,
        Person.locale,
        Person.state,
        OptOut.number,
        Person.window_start,
        Person.window_replies,
        Subscription.local_time,
        Subscription.zone,
        Subscription.active,
    )
    .outerjoin(OptOut, OptOut.number == Person.number)
    .outerjoin(Subscription, Subscription.person_id == Person.id)
    .where(Person.number == bindparam("number"))
    .with_for_update(of=Person)
)
_CLOSE = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("person_id"))
    .values(
        state=bindparam("new_state"),
        updated_at=bindparam("at"),
        window_start=bindparam("new_window_start"),
        window_replies=bindparam("new_window_replies"),
    )
)
_RECORD = insert(ProcessedMessage.__table__)  # type: ignore[arg-type]


def open_conversation(
    session: Session, number: str, *, locale_for: Callable[[str], str], at: datetime
) -> Conversation:
    """The person texting from `number`, created on first contact (locale from the
    number), with their row locked until the transaction ends."""
    key = number_key(number)
    row = session.connection().execute(_OPEN, {"number": key}).one_or_none()
    if row is not None:
        bedtime = None if row[7] is None else Schedule(row[6], row[7], bool(row[8]))
        return Conversation(
            row[0], row[1], dict(row[2] or {}), row[3] is not None, row[4], row[5], bedtime
        )
    new = add_person(session, key, locale_for(key), at)
    return Conversation(new.id, new.locale, {}, is_stopped(session, key), None, 0)


def close_conversation(
    session: Session,
    conversation: Conversation,
    *,
    sid: str,
    reply: str,
    state: dict[str, Any] | None,
    counted: bool,
    window: timedelta,
    at: datetime,
) -> None:
    """Store the turn: the new state (None: unchanged), the reply counter, and the
    MessageSid with its reply. A concurrent duplicate of `sid` fails here on the UNIQUE
    constraint (IntegrityError), and its transaction rolls back whole."""
    window_start, replies = conversation.counter_after(counted, at, window)
    session.connection().execute(
        _CLOSE,
        {
            "person_id": conversation.person_id,
            "new_state": conversation.state if state is None else state,
            "at": at,
            "new_window_start": window_start,
            "new_window_replies": replies,
        },
    )
    record_processed(session, sid, reply, at, person_id=conversation.person_id)


def record_processed(
    session: Session, sid: str, reply: str, at: datetime, *, person_id: int | None = None
) -> None:
    """Remember a MessageSid and its reply ("" for none); IntegrityError if already there."""
    session.connection().execute(
        _RECORD, {"sid": sid, "person_id": person_id, "reply": reply, "created_at": at}
    )
