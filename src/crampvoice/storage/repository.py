"""Repository functions: small, named operations on one session (one transaction).

The caller owns the transaction (`Store.transaction()`); nothing here commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from crampvoice.privacy import scrub
from crampvoice.storage.models import (
    DeliveryFailure,
    Event,
    OptOut,
    OutboxMessage,
    Person,
    ProcessedMessage,
)

#: Twilio's error for a message to a number that has opted out.
OPTED_OUT_ERROR = "21610"
FAILED_STATUSES = frozenset({"failed", "undelivered"})


def utcnow() -> datetime:
    return datetime.now(UTC)


@functools.lru_cache(maxsize=4096)
def number_key(number: str) -> str:
    """The stored form of a number: E.164 when it parses, else as given (trimmed)."""
    number = number.strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- inbound messages


def processed_reply(session: Session, sid: str) -> str | None:
    """The reply already given to this MessageSid ("" for none), or None if it is new."""
    reply: str | None = session.scalar(
        select(ProcessedMessage.reply).where(ProcessedMessage.sid == sid)
    )
    return reply


@dataclass(frozen=True)
class Conversation:
    """What the webhook needs about a number, read in one query with the row locked."""

    person_id: int
    locale: str
    state: dict[str, Any]
    stopped: bool
    window_start: datetime | None
    window_replies: int

    def replies_in_window(self, at: datetime, window: timedelta) -> int:
        """Replies counted against this number in the window running at `at`."""
        start = self.window_start
        if start is None or start + window <= at or start > at:
            return 0
        return self.window_replies


# The webhook's statements, built once (building a statement costs more than running it)
# and run on the session's connection (the ORM layer adds nothing to them).
_PEOPLE: Table = Person.__table__  # type: ignore[assignment]
_OPEN = (
    select(
        Person.id, Person.locale, Person.state, OptOut.number,
        Person.window_start, Person.window_replies,
    )
    .outerjoin(OptOut, OptOut.number == Person.number)
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
        return Conversation(row[0], row[1], dict(row[2] or {}), row[3] is not None, row[4], row[5])
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
    window_start, replies = conversation.window_start, conversation.replies_in_window(at, window)
    if counted:
        if replies == 0:
            window_start = at
        replies += 1
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


# --------------------------------------------------------------------------- people


def person(session: Session, number: str, *, lock: bool = False) -> Person | None:
    """The person for a number; `lock` holds the row until the transaction ends."""
    query = select(Person).where(Person.number == number_key(number))
    if lock:
        query = query.with_for_update()
    found: Person | None = session.scalar(query)
    return found


def add_person(session: Session, number: str, locale: str, at: datetime) -> Person:
    new = Person(
        number=number_key(number),
        locale=locale,
        state={},
        scheduled_sends=True,
        consecutive_failures=0,
        window_start=None,
        window_replies=0,
        created_at=at,
        updated_at=at,
    )
    session.add(new)
    session.flush()
    return new


def save_state(person: Person, state: dict[str, Any], at: datetime) -> None:
    person.state = state
    person.updated_at = at


def erase(session: Session, number: str, sender: str | None = None) -> None:
    """Erase everything stored about a number: the person, their conversation, the
    replies given, delivery failures and outbox. Processed MessageSids stay, unlinked
    from the number, so that a retry of a message is still recognised.

    An opt-out is kept: it is the record that the number must not be messaged (an
    erasure request can only complete from a number that is not stopped anyway)."""
    key = number_key(number)
    found = session.scalar(select(Person.id).where(Person.number == key))
    if found is not None:
        session.execute(
            update(ProcessedMessage)
            .where(ProcessedMessage.person_id == found)
            .values(person_id=None, reply="")
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(DeliveryFailure).where(DeliveryFailure.person_id == found))
        session.execute(delete(Person).where(Person.id == found))
    session.execute(delete(OutboxMessage).where(OutboxMessage.number == key))
    if sender is not None:
        session.execute(delete(Event).where(Event.sender == sender))


# --------------------------------------------------------------------------- opt-outs


def is_stopped(session: Session, number: str) -> bool:
    return session.get(OptOut, number_key(number)) is not None


def opt_out(session: Session, number: str, source: str, at: datetime) -> None:
    key = number_key(number)
    if session.get(OptOut, key) is None:
        session.add(OptOut(number=key, source=source, created_at=at))
        session.flush()


def opt_in(session: Session, number: str) -> None:
    """Opted back in: messages allowed again, scheduled ones included."""
    key = number_key(number)
    session.execute(delete(OptOut).where(OptOut.number == key))
    found = person(session, key)
    if found is not None:
        found.scheduled_sends = True
        found.consecutive_failures = 0


def may_send(session: Session, number: str, *, scheduled: bool = False) -> bool:
    """Whether anything may be sent to this number now (the outbound gate's database half).

    Never to a stopped number; scheduled messages only to a known person whose
    deliveries have not kept failing."""
    if is_stopped(session, number):
        return False
    if not scheduled:
        return True
    found = person(session, number)
    return found is not None and found.scheduled_sends


# --------------------------------------------------------------------------- deliveries


def record_delivery(
    session: Session,
    number: str,
    message_sid: str,
    status: str,
    error_code: str | None,
    at: datetime,
    *,
    failure_limit: int,
) -> None:
    """A status callback: 21610 stops the number; `failure_limit` consecutive failed
    messages turn scheduled sends off; a delivered message resets the count."""
    key = number_key(number)
    if error_code == OPTED_OUT_ERROR:
        opt_out(session, key, OPTED_OUT_ERROR, at)
    sent = session.scalar(select(OutboxMessage).where(OutboxMessage.sid == message_sid))
    if sent is not None:
        sent.status = status
        sent.error_code = error_code
    found = person(session, key, lock=True)
    if found is None:
        return
    if status in FAILED_STATUSES:
        seen = session.scalar(
            select(DeliveryFailure.id).where(DeliveryFailure.message_sid == message_sid)
        )
        if seen is not None:
            return  # the same message reported twice counts once
        session.add(
            DeliveryFailure(
                person_id=found.id,
                message_sid=message_sid,
                status=status,
                error_code=error_code,
                created_at=at,
            )
        )
        found.consecutive_failures += 1
        if found.consecutive_failures >= failure_limit:
            found.scheduled_sends = False
    elif status == "delivered":
        found.consecutive_failures = 0


# --------------------------------------------------------------------------- outbox


def add_outbox(
    session: Session,
    number: str,
    body: str,
    *,
    status: str,
    at: datetime,
    scheduled: bool = False,
    sid: str | None = None,
    error_code: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        number=number_key(number),
        body=body,
        scheduled=scheduled,
        status=status,
        sid=sid,
        error_code=error_code,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def outbox(session: Session, number: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if number is not None:
        query = query.where(OutboxMessage.number == number_key(number))
    return list(session.scalars(query))


def rows_about(session: Session, number: str) -> int:
    """How many rows anywhere mention this number or its person (0 after an erasure)."""
    key = number_key(number)
    total = 0
    found = person(session, key)
    if found is not None:
        total += 1
        for model in (ProcessedMessage, DeliveryFailure):
            total += session.scalar(
                select(func.count()).select_from(model).where(model.person_id == found.id)
            ) or 0
    for table, column in ((OptOut, OptOut.number), (OutboxMessage, OutboxMessage.number)):
        total += session.scalar(select(func.count()).select_from(table).where(column == key)) or 0
    return total


# --------------------------------------------------------------------------- events


def record_event(
    session: Session,
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
    """One turn for the dashboard. `text` only for unanswered messages, scrubbed."""
    session.add(
        Event(
            at=at,
            channel=channel,
            intent=intent,
            triage=triage,
            locale=locale,
            answered=answered,
            sender=sender,
            text=None if answered or text is None else scrub(text) or None,
        )
    )

