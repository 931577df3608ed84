"""Turns for the dashboard: one row each, never who (a keyed hash) nor, when answered, what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crampvoice.privacy import scrub
from crampvoice.storage.models import (
    Event,
)


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
