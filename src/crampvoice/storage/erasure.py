"""DELETE then YES: everything stored about a number erased, and a count to prove it."""

from __future__ import annotations

from sqlalchemy import (
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from crampvoice.storage import calls
from crampvoice.storage.models import (
    DeliveryFailure,
    Event,
    OptOut,
    OutboxMessage,
    Person,
    ProcessedMessage,
    Send,
    Subscription,
)
from crampvoice.storage.people import number_key, person


def erase(session: Session, number: str, sender: str | None = None) -> None:
    """Erase everything stored about a number: the person, their conversation, the
    replies given, delivery failures and outbox. Processed MessageSids stay, unlinked
    from the number, so that a retry of a message is still recognised.

    An opt-out is kept: it is the record that the number must not be messaged (an
    erasure request can only complete from a number that is not stopped anyway)."""
    key = number_key(number)
    found = session.scalar(select(Person.id).where(Person.number == key))
    if found is not None:
        session.execute(
            update(ProcessedMessage)
            .where(ProcessedMessage.person_id == found)
            .values(person_id=None, reply="")
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(DeliveryFailure).where(DeliveryFailure.person_id == found))
        session.execute(delete(Person).where(Person.id == found))
    session.execute(delete(OutboxMessage).where(OutboxMessage.number == key))
    if sender is not None:
        session.execute(delete(Event).where(Event.sender == sender))
        calls.erase(session, sender)  # the number's phone calls in progress, by its hash


def rows_about(session: Session, number: str) -> int:
    """How many rows anywhere mention this number or its person (0 after an erasure)."""
    key = number_key(number)
    total = 0
    found = person(session, key)
    if found is not None:
        total += 1
        for model in (ProcessedMessage, DeliveryFailure, Subscription):
            total += (
                session.scalar(
                    select(func.count()).select_from(model).where(model.person_id == found.id)
                )
                or 0
            )
        total += (
            session.scalar(
                select(func.count())
                .select_from(Send)
                .join(Subscription)
                .where(Subscription.person_id == found.id)
            )
            or 0
        )
    for table, column in ((OptOut, OptOut.number), (OutboxMessage, OutboxMessage.number)):
        total += session.scalar(select(func.count()).select_from(table).where(column == key)) or 0
    return total
