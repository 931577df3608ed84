"""Reply budgets on the database (the rules are `crampvoice.texting.budget`): one row per
number, keyed by its keyed hash (never the number), and one for everyone ("*"). Erasure
leaves them (a DELETE cannot reset a limit); retention purges rows whose window is over.

The person's row, locked for the turn, already serialises one number's texts; the
everyone row is written last in the turn, so its lock is held only to the commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from crampvoice.storage.models import ReplyBudget
from crampvoice.texting.budget import EVERYONE, Spent, after, in_window


def spent(session: Session, key: str, at: datetime, window: timedelta) -> Spent:
    rows = session.execute(
        select(ReplyBudget.key, ReplyBudget.window_start, ReplyBudget.replies,
               ReplyBudget.escalations).where(ReplyBudget.key.in_((key, EVERYONE)))
    ).all()
    mine = next((r for r in rows if r[0] == key), None)
    everyone = next((r for r in rows if r[0] == EVERYONE), None)
    return Spent(
        replies=0 if mine is None else in_window(mine[1], mine[2], at, window),
        escalations=0 if mine is None else in_window(mine[1], mine[3], at, window),
        everyone=0 if everyone is None else in_window(everyone[1], everyone[2], at, window),
    )


def spend(
    session: Session, key: str, at: datetime, window: timedelta, *, escalation: bool
) -> None:
    """One reply counted for `key` (and as an escalation) and for everyone. A row added by
    a concurrent first text raises IntegrityError (the service retries the turn)."""
    _count(session, key, at, window, escalation)
    _count(session, EVERYONE, at, window, False)


def _count(session: Session, key: str, at: datetime, window: timedelta, escalation: bool) -> None:
    row = session.execute(
        select(ReplyBudget.window_start, ReplyBudget.replies, ReplyBudget.escalations)
        .where(ReplyBudget.key == key)
        .with_for_update()
    ).one_or_none()
    if row is None:
        session.execute(
            insert(ReplyBudget).values(
                key=key, window_start=at, replies=1, escalations=int(escalation)
            )
        )
        return
    start, replies = after(row[0], row[1], at, window)
    escalations = in_window(row[0], row[2], at, window) if start == row[0] else 0
    session.execute(
        update(ReplyBudget)
        .where(ReplyBudget.key == key)
        .values(window_start=start, replies=replies, escalations=escalations + int(escalation))
    )


def purge(session: Session, before: datetime) -> int:
    """Delete the counters whose window started before `before` (retention)."""
    done = session.execute(delete(ReplyBudget).where(ReplyBudget.window_start < before))
    return int(getattr(done, "rowcount", 0) or 0)
