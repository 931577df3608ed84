"""Bedtime subscriptions: made, changed, read, counted; and their sends, read."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from crampvoice.storage.models import (
    Person,
    Send,
    Subscription,
)
from crampvoice.storage.people import number_key


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
