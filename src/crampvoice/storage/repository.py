"""Repository functions: small, named operations on one session (one transaction).

The caller owns the transaction (`Store.transaction()`); nothing here commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import phonenumbers
from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crampvoice.bedtime import Schedule
from crampvoice.privacy import scrub
from crampvoice.storage.models import (
    DeliveryFailure,
    Event,
    OptOut,
    OutboxMessage,
    Person,
    ProcessedMessage,
    Send,
    Subscription,
    UTCDateTime,
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
    bedtime: Schedule | None = None

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
    """The number must receive nothing more: its bedtime prompts end too (START later
    opts back in to replies, not to the prompts: those need a new BEDTIME)."""
    key = number_key(number)
    if session.get(OptOut, key) is None:
        session.add(OptOut(number=key, source=source, created_at=at))
        session.flush()
    session.execute(
        update(Subscription)
        .where(Subscription.person_id.in_(select(Person.id).where(Person.number == key)))
        .where(Subscription.active == true())
        .values(active=False, next_send_at=None, updated_at=at)
        .execution_options(synchronize_session=False)
    )


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
        for model in (ProcessedMessage, DeliveryFailure, Subscription):
            total += (
                session.scalar(
                    select(func.count()).select_from(model).where(model.person_id == found.id)
                )
                or 0
            )
        total += (
            session.scalar(
                select(func.count())
                .select_from(Send)
                .join(Subscription)
                .where(Subscription.person_id == found.id)
            )
            or 0
        )
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


# --------------------------------------------------------------------------- bedtime prompts


def save_subscription(
    session: Session,
    person_id: int,
    *,
    at: time | None,
    zone: str,
    active: bool,
    next_send_at: datetime | None,
    now: datetime,
) -> None:
    """Create or change a person's subscription (their row is locked by the conversation)."""
    found = session.scalar(select(Subscription).where(Subscription.person_id == person_id))
    if found is None:
        found = Subscription(person_id=person_id, rotation=0, created_at=now)
        session.add(found)
    found.local_time = at
    found.zone = zone
    found.active = active
    found.next_send_at = next_send_at if active else None
    found.updated_at = now
    session.flush()


def subscription(session: Session, number: str) -> Subscription | None:
    found: Subscription | None = session.scalar(
        select(Subscription).join(Person).where(Person.number == number_key(number))
    )
    return found


def count_active_subscriptions(session: Session) -> int:
    """Subscriptions that will send tonight (for the operator's dashboard)."""
    count = session.scalar(
        select(func.count()).select_from(Subscription).where(Subscription.active == true())
    )
    return int(count or 0)


def sends(session: Session, number: str) -> list[Send]:
    """Every night's send for a number, oldest first."""
    return list(
        session.scalars(
            select(Send)
            .join(Subscription)
            .join(Person)
            .where(Person.number == number_key(number))
            .order_by(Send.local_date)
        )
    )


@dataclass(frozen=True)
class Due:
    """A subscription whose next send is due, claimed (row locked) by one worker."""

    subscription_id: int
    at: time
    zone: str
    next_send_at: datetime
    rotation: int
    number: str
    locale: str


@dataclass(frozen=True)
class Claim:
    """A recorded, not yet attempted send: what the worker needs to deliver it."""

    send_id: int
    due_at: datetime
    zone: str
    prompt: int
    number: str
    locale: str


_SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[assignment]
_SENDS: Table = Send.__table__  # type: ignore[assignment]
_DUE = (
    select(
        Subscription.id,
        Subscription.local_time,
        Subscription.zone,
        Subscription.next_send_at,
        Subscription.rotation,
        Person.number,
        Person.locale,
    )
    .join(Person, Person.id == Subscription.person_id)
    .where(Subscription.active == true(), Subscription.next_send_at <= bindparam("now"))
    .order_by(Subscription.next_send_at)
    .limit(bindparam("limit"))
    .with_for_update(of=Subscription, skip_locked=True)
)
_ADVANCE = (
    update(_SUBSCRIPTIONS)
    .where(_SUBSCRIPTIONS.c.id == bindparam("subscription_id"))
    .values(
        next_send_at=bindparam("next_send_at"),
        rotation=bindparam("new_rotation"),
        updated_at=bindparam("now"),
    )
)
_ORPHANS = (
    select(
        Send.id,
        Send.due_at,
        Subscription.zone,
        Send.prompt,
        Person.number,
        Person.locale,
    )
    .join(Subscription, Subscription.id == Send.subscription_id)
    .join(Person, Person.id == Subscription.person_id)
    .where(Send.status == "pending", Send.updated_at < bindparam("before"))
    .order_by(Send.id)
    .limit(bindparam("limit"))
    .with_for_update(of=Send, skip_locked=True)
)
_RELEASE = (  # an orphan re-taken: its lease starts again
    update(_SENDS).where(_SENDS.c.id == bindparam("send_id")).values(updated_at=bindparam("now"))
)
# Right before a send: the person has not stopped, their scheduled sends are on, and the
# subscription is still active; else "blocked". Only a pending row moves, so two workers
# can never both take the same send.
_ALLOWED = (
    exists()
    .where(
        _SUBSCRIPTIONS.c.id == _SENDS.c.subscription_id,
        _SUBSCRIPTIONS.c.active == true(),
        Person.id == _SUBSCRIPTIONS.c.person_id,
        Person.scheduled_sends == true(),
        ~exists().where(OptOut.number == Person.number),
    )
    .correlate(_SENDS)
)
_START = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("send_id"), _SENDS.c.status == "pending")
    .values(status=case((_ALLOWED, "sending"), else_="blocked"), updated_at=bindparam("now"))
    .returning(_SENDS.c.status)
)
_SKIP = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("send_id"), _SENDS.c.status == "pending")
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_FINISH = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("send_id"), _SENDS.c.status == "sending")
    .values(status=bindparam("new_status"), sid=bindparam("sid"), updated_at=bindparam("now"))
)
# On PostgreSQL a batch of rows moves in one statement (arrays unnested into a join)
# rather than one UPDATE per row: the worker's claims and results cost one round trip.
# `id = ANY(ids)` lets the planner find the rows by primary key (without it, it hashes
# the whole table for every batch).
_ADVANCE_MANY = text(
    "UPDATE subscriptions AS s SET next_send_at = v.next_send_at, rotation = v.rotation, "
    "updated_at = :now FROM unnest(CAST(:ids AS integer[]), CAST(:nexts AS timestamp[]), "
    "CAST(:rotations AS integer[])) AS v(id, next_send_at, rotation) "
    "WHERE s.id = v.id AND s.id = ANY(CAST(:ids AS integer[]))"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("nexts", type_=postgresql.ARRAY(UTCDateTime())),
    bindparam("rotations", type_=postgresql.ARRAY(Integer)),
    bindparam("now", type_=UTCDateTime()),
)
_RECORD_MANY = text(
    "INSERT INTO sends (subscription_id, local_date, prompt, due_at, status, sid, "
    "created_at, updated_at) SELECT v.id, v.local_date, v.prompt, v.due_at, v.status, NULL, "
    ":now, :now FROM unnest(CAST(:ids AS integer[]), CAST(:dates AS date[]), "
    "CAST(:prompts AS integer[]), CAST(:dues AS timestamp[]), CAST(:statuses AS varchar[])) "
    "AS v(id, local_date, prompt, due_at, status) "
    "ON CONFLICT (subscription_id, local_date) DO NOTHING RETURNING subscription_id, id"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("dates", type_=postgresql.ARRAY(Date)),
    bindparam("prompts", type_=postgresql.ARRAY(Integer)),
    bindparam("dues", type_=postgresql.ARRAY(UTCDateTime())),
    bindparam("statuses", type_=postgresql.ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)
_RECORD_SQLITE = (
    sqlite.insert(_SENDS)
    .values(
        subscription_id=bindparam("subscription_id"),
        local_date=bindparam("local_date"),
        prompt=bindparam("prompt"),
        due_at=bindparam("due_at"),
        status=bindparam("new_status"),
        sid=None,
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
    .returning(_SENDS.c.subscription_id, _SENDS.c.id)
)
_FINISH_MANY = text(
    "UPDATE sends AS s SET status = v.status, sid = v.sid, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), "
    "CAST(:sids AS varchar[])) AS v(id, status, sid) "
    "WHERE s.id = v.id AND s.id = ANY(CAST(:ids AS integer[])) AND s.status = 'sending'"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("statuses", type_=postgresql.ARRAY(String)),
    bindparam("sids", type_=postgresql.ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)


def due_subscriptions(session: Session, now: datetime, limit: int) -> list[Due]:
    """Up to `limit` active subscriptions due at `now`, earliest first, locked for this
    transaction; on PostgreSQL rows another worker holds are skipped (SKIP LOCKED)."""
    rows = session.connection().execute(_DUE, {"now": now, "limit": limit})
    # Active rows always have a time and a next send (the "scheduled" check constraint).
    return [Due(r[0], cast(time, r[1]), r[2], cast(datetime, r[3]), *r[4:]) for r in rows]


def record_sends(
    session: Session, rows: list[tuple[int, date, int, datetime, str]], now: datetime
) -> dict[int, int]:
    """Record sends: (subscription_id, local_date, prompt, due_at, status) each. A
    (subscription, local date) already recorded is left alone. Returns
    {subscription_id: send_id} for the rows inserted."""
    if not rows:
        return {}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids, dates, prompts, dues, statuses = (list(c) for c in zip(*rows, strict=True))
        result = connection.execute(
            _RECORD_MANY,
            {
                "ids": ids,
                "dates": dates,
                "prompts": prompts,
                "dues": dues,
                "statuses": statuses,
                "now": now,
            },
        )
    else:
        result = connection.execute(
            _RECORD_SQLITE,
            [
                {
                    "subscription_id": i,
                    "local_date": d,
                    "prompt": p,
                    "due_at": due,
                    "new_status": status,
                    "now": now,
                }
                for i, d, p, due, status in rows
            ],
        )
    return {row[0]: row[1] for row in result}


def advance_subscriptions(
    session: Session, rows: list[tuple[int, datetime, int]], now: datetime
) -> None:
    """Move subscriptions on: (subscription_id, next_send_at, rotation) each."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids, nexts, rotations = (list(column) for column in zip(*rows, strict=True))
        connection.execute(
            _ADVANCE_MANY, {"ids": ids, "nexts": nexts, "rotations": rotations, "now": now}
        )
        return
    connection.execute(
        _ADVANCE,
        [
            {"subscription_id": i, "next_send_at": n, "new_rotation": r, "now": now}
            for i, n, r in rows
        ],
    )


def orphaned_sends(session: Session, *, before: datetime, now: datetime, limit: int) -> list[Claim]:
    """Sends recorded but never attempted whose claim lapsed before `before` (the worker
    that claimed them died): taken over, their lease restarted at `now`."""
    rows = list(session.connection().execute(_ORPHANS, {"before": before, "limit": limit}))
    if rows:
        session.connection().execute(_RELEASE, [{"send_id": r[0], "now": now} for r in rows])
    return [Claim(*row) for row in rows]


# The worker's per-send statements run on a `Store.statements()` connection: one
# statement, one transaction (on PostgreSQL one round trip).


def start_send(connection: Connection, send_id: int, now: datetime) -> str | None:
    """Take a pending send for delivery, checking opt-out, failing deliveries and BEDTIME
    OFF in the same statement: "sending" (go), "blocked", or None (not pending any more)."""
    status = connection.execute(_START, {"send_id": send_id, "now": now}).scalar()
    return None if status is None else str(status)


def skip_send(connection: Connection, send_id: int, status: str, now: datetime) -> None:
    """A pending send that will not go ("missed": too late, or outside the send window)."""
    connection.execute(_SKIP, {"send_id": send_id, "new_status": status, "now": now})


def finish_sends(
    connection: Connection, rows: list[tuple[int, str, str | None]], now: datetime
) -> None:
    """What the sender said: (send_id, status, sid) each, for rows still "sending"."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        ids, statuses, sids = (list(column) for column in zip(*rows, strict=True))
        connection.execute(
            _FINISH_MANY, {"ids": ids, "statuses": statuses, "sids": sids, "now": now}
        )
        return
    connection.execute(
        _FINISH,
        [{"send_id": i, "new_status": status, "sid": sid, "now": now} for i, status, sid in rows],
    )


def send_counts(session: Session) -> dict[str, int]:
    """Sends by status (for tests, benchmarks and operators)."""
    rows = session.execute(select(Send.status, func.count()).group_by(Send.status))
    return {str(status): int(count) for status, count in rows}


def next_due(session: Session) -> datetime | None:
    """The earliest next send of any active subscription (how long a worker may sleep)."""
    found: datetime | None = session.scalar(
        select(func.min(Subscription.next_send_at)).where(Subscription.active == true())
    )
    return found
