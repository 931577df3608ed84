"""Calls in progress: one row per CallSid with the call's conversation state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crampvoice.storage.models import Call

#: A call whose end Twilio never reported is forgotten after this long.
FORGET_AFTER = timedelta(days=1)


def load(session: Session, sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.sid == sid).with_for_update())


def save(
    session: Session,
    found: Call | None,
    *,
    sid: str,
    caller: str,
    locale: str,
    state: dict[str, Any],
    at: datetime,
) -> None:
    if found is None:
        session.add(
            Call(sid=sid, caller=caller, locale=locale, state=state, created_at=at, updated_at=at)
        )
    else:
        found.state = state
        found.updated_at = at


def end(session: Session, sid: str) -> int:
    """Delete a call's row (the call is over); how many rows went (0 or 1)."""
    gone = session.scalars(delete(Call).where(Call.sid == sid).returning(Call.id)).all()
    return len(gone)


def forget_stale(session: Session, now: datetime) -> None:
    session.execute(delete(Call).where(Call.updated_at < now - FORGET_AFTER))


def erase(session: Session, caller: str) -> None:
    """Every call of a caller (by the keyed hash): part of DELETE's erasure."""
    session.execute(delete(Call).where(Call.caller == caller))


def count(session: Session, caller: str) -> int:
    return len(session.scalars(select(Call.id).where(Call.caller == caller)).all())
