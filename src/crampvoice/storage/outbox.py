"""Texts sent outside a reply, as the sender recorded them (the outbox table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from crampvoice.storage.models import (
    OutboxMessage,
)
from crampvoice.storage.people import number_key


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
