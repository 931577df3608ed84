"""Consent and deliverability: opt-outs, opt-ins, the outbound gate, and delivery
reports (21610 stops a number; repeated failures stop scheduled sends)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    delete,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from crampvoice.storage.models import (
    DeliveryFailure,
    OptOut,
    OutboxMessage,
    Person,
    Subscription,
)
from crampvoice.storage.people import is_stopped, number_key, person
from crampvoice.texting.rules import FAILED_STATUSES, OPTED_OUT_ERROR, after_delivery


def opt_out(session: Session, number: str, source: str, at: datetime) -> None:
    """The number must receive nothing more: its bedtime prompts end too (START later
    opts back in to replies, not to the prompts: those need a new BEDTIME)."""
    key = number_key(number)
    if session.get(OptOut, key) is None:
        session.add(OptOut(number=key, source=source, created_at=at))
        session.flush()
    # `person_id = (one id)`, not `IN (...)`: SQLite then finds the one row by its unique
    # index, instead of walking every active subscription (ix_subscriptions_due).
    session.execute(
        update(Subscription)
        .where(
            Subscription.person_id
            == select(Person.id).where(Person.number == key).scalar_subquery()
        )
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
    failures, scheduled = after_delivery(status, found.consecutive_failures, failure_limit)
    found.consecutive_failures = failures
    if scheduled is not None:
        found.scheduled_sends = scheduled
