"""What the operator's dashboard learns from SMS turns: counts, never who or what (almost)."""

from __future__ import annotations

from sqlalchemy import select

from crampvoice.composition import Services as SmsServices
from crampvoice.storage.models import Event
from tests.sms.conftest import Phone


def events(sms: SmsServices) -> list[Event]:
    with sms.store.transaction() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def test_each_turn_is_counted_once_with_intent_and_triage(phone: Phone, sms: SmsServices) -> None:
    form = phone.form("i have a cramp")
    phone.send(form)
    phone.send(form)  # Twilio's retry: the same MessageSid
    phone.text("I can't breathe")
    recorded = events(sms)
    assert [(e.channel, e.intent, e.triage) for e in recorded] == [
        ("sms", "relief_now", "none"),
        ("sms", "when_to_get_help", "emergency"),
    ]
    assert all(e.sender and "+44" not in e.sender for e in recorded)
    assert all(e.text is None for e in recorded)  # answered: no text kept


def test_unanswered_text_is_kept_scrubbed(phone: Phone, sms: SmsServices) -> None:
    phone.text("call me on 07400 123456 or mail jo@example.org about the weather")
    (event,) = events(sms)
    assert not event.answered
    assert event.text is not None
    assert "07400" not in event.text and "jo@" not in event.text
    assert "weather" in event.text


def test_erasure_removes_the_persons_events(phone: Phone, us_phone: Phone, sms: SmsServices
                                            ) -> None:
    phone.text("hello")
    us_phone.text("hello")
    phone.text("delete")
    phone.text("erase")
    remaining = events(sms)
    assert {e.sender for e in remaining} == {sms.hasher(us_phone.number)}
