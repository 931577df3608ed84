"""The webhook's turn: a conversation read (no lock) and its turn saved in one short
transaction (`read_conversation`, `save_turn`: SQLAlchemy Core statements built once),
and the MessageSids already answered."""

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
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crampvoice.bedtime import Schedule
from crampvoice.privacy import scrub
from crampvoice.storage import budgets
from crampvoice.storage.models import (
    Event,
    OptOut,
    Person,
    ProcessedMessage,
    ReplyBudget,
    Subscription,
)
from crampvoice.storage.people import number_key
from crampvoice.storage.prepared import Prepared
from crampvoice.texting.budget import EVERYONE, Spent, in_window
from crampvoice.texting.port import Conflict, Conversation, TurnEvent

#: A version is the row's `updated_at`; a turn saved at the same instant as the last one
#: moves it on by this much, so that every saved turn changes it.
_TICK = timedelta(microseconds=1)


def processed_reply(session: Session, sid: str) -> str | None:
    """The reply already given to this MessageSid ("" for none), or None if it is new."""
    reply: str | None = session.scalar(
        select(ProcessedMessage.reply).where(ProcessedMessage.sid == sid)
    )
    return reply


# The webhook's statements, built once (building a statement costs more than running it)
# and run on the session's connection (the ORM layer adds nothing to them).
_PEOPLE: Table = Person.__table__  # type: ignore[assignment]
_RECORD = insert(ProcessedMessage.__table__)  # type: ignore[arg-type]
_READ = (
    select(
        Person.id,
        Person.locale,
        Person.state,
        OptOut.number,
        Subscription.local_time,
        Subscription.zone,
        Subscription.active,
        Person.updated_at,
    )
    .outerjoin(OptOut, OptOut.number == Person.number)
    .outerjoin(Subscription, Subscription.person_id == Person.id)
    .where(Person.number == bindparam("number"))
)
_STOPPED = select(OptOut.number).where(OptOut.number == bindparam("number"))
_BUDGETS: Table = ReplyBudget.__table__  # type: ignore[assignment]
_MINE = _BUDGETS.alias("mine")
_ALL = _BUDGETS.alias("everyone")
#: A turn's read in one statement: `_READ` and both reply budgets (`budgets.SPENT`).
_READ_TURN = (
    _READ.add_columns(
        _MINE.c.window_start, _MINE.c.replies, _MINE.c.escalations,
        _ALL.c.window_start, _ALL.c.replies,
    )
    .outerjoin(_MINE, _MINE.c.key == bindparam("key"))
    .outerjoin(_ALL, _ALL.c.key == EVERYONE)
)
_ADD = (
    insert(_PEOPLE)
    .values(
        number=bindparam("number"),
        locale=bindparam("locale"),
        state=bindparam("new_state"),
        scheduled_sends=True,
        consecutive_failures=0,
        window_replies=0,  # a column of the old per-person counter (`reply_budgets` now)
        created_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
    .returning(_PEOPLE.c.id)
)
_SAVE = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("person_id"))
    .where(_PEOPLE.c.updated_at == bindparam("version"))
    .values(
        state=bindparam("new_state"),
        updated_at=bindparam("at"),
    )
)
_EVENT = insert(Event.__table__)  # type: ignore[arg-type]
_EVENT_COLUMNS = ("at", "channel", "intent", "triage", "locale", "answered", "sender", "text")
_RECORD_COLUMNS = ("sid", "person_id", "reply", "created_at")

# The same statements as the turn runs them, on the driver's cursor (`prepared`).
_RUN_READ_TURN = Prepared(_READ_TURN)
_RUN_READ = Prepared(_READ)
_RUN_STOPPED = Prepared(_STOPPED)
_RUN_ADD = Prepared(_ADD)
_RUN_SAVE = Prepared(_SAVE)
_RUN_RECORD = Prepared(_RECORD, column_keys=_RECORD_COLUMNS)
_RUN_EVENT = Prepared(_EVENT, column_keys=_EVENT_COLUMNS)


def read_conversation(
    connection: Connection, number: str, *, locale_for: Callable[[str], str]
) -> Conversation:
    """Where the person texting from `number` stands, in one query (two for a new number),
    holding no lock: `save_turn` checks nothing changed meanwhile."""
    key = number_key(number)
    row = _RUN_READ.one_or_none(connection, {"number": key})
    if row is None:
        stopped = bool(_RUN_STOPPED.rows(connection, {"number": key}))
        return Conversation(None, locale_for(key), {}, stopped)
    bedtime = None if row[5] is None else Schedule(row[4], row[5], bool(row[6]))
    return Conversation(
        row[0], row[1], dict(row[2] or {}), row[3] is not None, bedtime, version=row[7]
    )


def read_turn(
    connection: Connection,
    number: str,
    budget_key: str,
    *,
    locale_for: Callable[[str], str],
    at: datetime,
    window: timedelta,
) -> tuple[Conversation, Spent]:
    """`read_conversation` and the reply budgets: one statement for a known number (three
    for a new one), no lock."""
    key = number_key(number)
    row = _RUN_READ_TURN.one_or_none(connection, {"number": key, "key": budget_key})
    if row is None:
        conversation = read_conversation(connection, number, locale_for=locale_for)
        rows = budgets.RUN_SPENT.rows(connection, {"key": budget_key})
        return conversation, budgets.spent_from(rows, budget_key, at, window)
    bedtime = None if row[5] is None else Schedule(row[4], row[5], bool(row[6]))
    conversation = Conversation(
        row[0], row[1], dict(row[2] or {}), row[3] is not None, bedtime, version=row[7]
    )
    start, replies, escalations, everyone_start, everyone = row[8:13]
    spent = Spent(
        replies=0 if start is None else in_window(start, replies, at, window),
        escalations=0 if start is None else in_window(start, escalations, at, window),
        everyone=0 if everyone_start is None
        else in_window(everyone_start, everyone, at, window),
    )
    return conversation, spent


def save_turn(
    connection: Connection,
    conversation: Conversation,
    *,
    number: str,
    sid: str,
    reply: str,
    state: dict[str, Any] | None,
    at: datetime,
    event: TurnEvent | None,
) -> int:
    """The turn in three statements: the person (added, or updated only if its version is
    still the one read), the MessageSid with its reply, the event. `Conflict` if the
    conversation changed since it was read; IntegrityError if the MessageSid (or, for a
    new number, the person) is already stored. Returns the person's id."""
    values: dict[str, Any] = {"new_state": conversation.state if state is None else state}
    if conversation.person_id is None:
        values.update(number=number_key(number), locale=conversation.locale, at=at)
        person_id = int(_RUN_ADD.scalar_one(connection, values))
    else:
        person_id = conversation.person_id
        version = conversation.version
        saved_at = at if version is None or at > version else version + _TICK
        values.update(person_id=person_id, version=version, at=saved_at)
        if _RUN_SAVE.rowcount(connection, values) != 1:
            raise Conflict("the conversation changed since it was read")
    _RUN_RECORD.rowcount(
        connection, {"sid": sid, "person_id": person_id, "reply": reply, "created_at": at}
    )
    if event is not None:
        _RUN_EVENT.rowcount(
            connection,
            {
                "at": at,
                "channel": event.channel,
                "intent": event.intent,
                "triage": event.triage,
                "locale": event.locale,
                "answered": event.answered,
                "sender": event.sender,
                "text": None if event.answered or event.text is None
                else scrub(event.text) or None,
            },
        )
    return person_id


def record_processed(
    session: Session, sid: str, reply: str, at: datetime, *, person_id: int | None = None
) -> None:
    """Remember a MessageSid and its reply ("" for none); IntegrityError if already there."""
    session.connection().execute(
        _RECORD, {"sid": sid, "person_id": person_id, "reply": reply, "created_at": at}
    )
