"""The bedtime worker's statements: due subscriptions claimed, tonight's sends recorded
under the UNIQUE (subscription, local date) key, each send started, skipped or finished.

The claim statements run in one session; the per-send ones on a `Store.statements()`
connection: one statement, one transaction (on PostgreSQL one round trip)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import cast

from sqlalchemy import (
    Table,
    bindparam,
    case,
    exists,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crampvoice.storage.batches import ADVANCE_MANY, FINISH_MANY, RECORD_MANY
from crampvoice.storage.models import (
    OptOut,
    Person,
    Send,
    Subscription,
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
    # The literal 'pending' (not a bound value): what lets SQLite use ix_sends_pending.
    .where(Send.status == literal_column("'pending'"),
           Send.updated_at < bindparam("before"))
    .order_by(Send.updated_at, Send.id)  # the index's order: the oldest lease first
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
            RECORD_MANY,
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
            ADVANCE_MANY, {"ids": ids, "nexts": nexts, "rotations": rotations, "now": now}
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
            FINISH_MANY, {"ids": ids, "statuses": statuses, "sids": sids, "now": now}
        )
        return
    connection.execute(
        _FINISH,
        [{"send_id": i, "new_status": status, "sid": sid, "now": now} for i, status, sid in rows],
    )
