"""People by number: the stored form of a number, a person, whether it is stopped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from crampvoice import phone
from crampvoice.storage.models import (
    OptOut,
    Person,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


#: The stored form of a number: E.164 when it parses, else as given (trimmed).
number_key = phone.e164


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


def is_stopped(session: Session, number: str) -> bool:
    return session.get(OptOut, number_key(number)) is not None
