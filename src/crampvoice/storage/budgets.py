"""Reply budgets on the database (the rules are `crampvoice.texting.budget`): one row per
number, keyed by its keyed hash (never the number), and one for everyone ("*"). Erasure
leaves them (a DELETE cannot reset a limit); retention purges rows whose window is over.

The webhook reads both rows with the conversation (`SPENT`, no lock) and counts a reply
with one statement, `spend`: an upsert of both rows (INSERT ... ON CONFLICT DO UPDATE, the
same text on SQLite and PostgreSQL) whose new values are computed from the stored ones
inside the statement, so concurrent turns never lose a count and a first text never
collides with another. The service runs it last in the turn's transaction, so the
everyone row, which every counted turn writes, is locked only until the commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from crampvoice.storage.models import ReplyBudget, UTCDateTime
from crampvoice.storage.prepared import Prepared
from crampvoice.texting.budget import EVERYONE, Spent, in_window

_TABLE = ReplyBudget.__table__
_C = _TABLE.c

#: Both counters of a turn, read with the conversation.
SPENT: Select[Any] = select(_C.key, _C.window_start, _C.replies, _C.escalations).where(
    _C.key.in_([bindparam("key"), EVERYONE])
)
RUN_SPENT = Prepared(SPENT)


def spent_from(rows: Any, key: str, at: datetime, window: timedelta) -> Spent:
    """`Spent` from the rows of `SPENT`."""
    mine = everyone = None
    for row in rows:
        if row[0] == key:
            mine = row
        elif row[0] == EVERYONE:
            everyone = row
    return Spent(
        replies=0 if mine is None else in_window(mine[1], mine[2], at, window),
        escalations=0 if mine is None else in_window(mine[1], mine[3], at, window),
        everyone=0 if everyone is None else in_window(everyone[1], everyone[2], at, window),
    )


#: The counting statement: a row per key (the number's and "*"); a stored row whose window
#: is still running at :at (started after :expired, not after :at) counts one more, else
#: its window starts again at :at. Written out (the same text on both databases): a
#: multi-row upsert built with the dialects' `insert` is compiled again at every run.
_RUNNING = '(reply_budgets.window_start > :expired AND reply_budgets.window_start <= :at)'
_SPEND = text(
    'INSERT INTO reply_budgets ("key", window_start, replies, escalations) '
    f"VALUES (:key, :at, 1, :escalation), ('{EVERYONE}', :at, 1, 0) "
    'ON CONFLICT ("key") DO UPDATE SET '
    f"window_start = CASE WHEN {_RUNNING} THEN reply_budgets.window_start "
    "ELSE excluded.window_start END, "
    f"replies = CASE WHEN {_RUNNING} THEN reply_budgets.replies + 1 ELSE 1 END, "
    f"escalations = CASE WHEN {_RUNNING} "
    "THEN reply_budgets.escalations + excluded.escalations ELSE excluded.escalations END"
).bindparams(
    bindparam("at", type_=UTCDateTime()),
    bindparam("expired", type_=UTCDateTime()),
    bindparam("key", type_=String()),
    bindparam("escalation", type_=Integer()),
)


_RUN_SPEND = Prepared(_SPEND)


def spend(
    connection: Connection, key: str, at: datetime, window: timedelta, *, escalation: bool
) -> None:
    """One reply counted for `key` (and as an escalation) and for everyone: one statement."""
    _RUN_SPEND.rowcount(
        connection,
        {"key": key, "at": at, "expired": at - window, "escalation": int(escalation)},
    )


def purge(session: Session, before: datetime) -> int:
    """Delete the counters whose window started before `before` (retention)."""
    done = session.execute(delete(ReplyBudget).where(ReplyBudget.window_start < before))
    return int(getattr(done, "rowcount", 0) or 0)
