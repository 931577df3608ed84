"""People by number: the stored form of a number, a person, whether it is stopped."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from crampvoice.storage.models import (
    OptOut,
    Person,
)


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
