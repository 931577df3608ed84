"""Retention and the erasure at Twilio, run by the worker's housekeeping on a real
database (SQLite and PostgreSQL); Twilio's REST API through `responses`."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from responses import matchers
from sqlalchemy import func, select

from crampvoice.composition import Services as SmsServices
from crampvoice.composition import utcnow
from crampvoice.retention import RetentionError, parse
from crampvoice.storage import repository
from crampvoice.storage.models import (
    Event,
    OptOut,
    PendingErasure,
    Person,
    ProcessedMessage,
    ReplyBudget,
)

from .conftest import UK_NUMBER, US_NUMBER, Phone

ACCOUNT = "AC" + "a" * 32
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
LIVE = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_FROM": "+15005550006"}


def count(sms: SmsServices, model: type) -> int:
    with sms.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_period_is_purged_after_its_time(sms: SmsServices, phone: Phone,
                                               us_phone: Phone) -> None:
    phone.text("what causes cramps")
    us_phone.text("BEDTIME 9:30pm")  # an active subscription keeps its person
    Phone(phone.client, "+447400123999").text("STOP")  # an opt-out is kept
    assert count(sms, ProcessedMessage) == 3 and count(sms, ReplyBudget) == 4
    soon = sms.housekeeping(clock=lambda: utcnow() + timedelta(days=1)).run()
    assert soon["replies"] == 0 and soon["budgets"] == 4  # the hour's budgets are over
    later = sms.housekeeping(clock=lambda: utcnow() + timedelta(days=500)).run()
    assert later["replies"] == 3 and later["events"] == 3 and later["people"] == 2
    assert count(sms, ProcessedMessage) == 0 and count(sms, Event) == 0
    with sms.store.transaction() as session:
        people = set(session.scalars(select(Person.number)))
    assert people == {US_NUMBER}
    assert count(sms, OptOut) == 1


def test_event_senders_go_before_the_counts(sms: SmsServices, phone: Phone) -> None:
    phone.text("what causes cramps")
    sms.housekeeping(clock=lambda: utcnow() + timedelta(days=100)).run()
    with sms.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        assert session.scalar(select(Event.sender)) is None


def test_periods_are_configurable_and_checked() -> None:
    assert parse("replies=2, events=0").days["replies"] == 2
    assert parse("").days["opt_outs"] == 0
    for wrong in ("replies=-1", "nonsense=3", "events=soon"):
        with pytest.raises(RetentionError):
            parse(wrong)


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_erasure_deletes_the_messages_twilio_stores(sms: SmsServices, phone: Phone) -> None:
    phone.text("my calf is swollen red and hot")
    phone.text("DELETE")
    assert phone.text("ERASE") is not None
    assert count(sms, PendingErasure) == 1  # until Twilio's copies are gone
    listed = {
        "To": [{"sid": "SM" + "1" * 32}, {"sid": "SM" + "2" * 32}],
        "From": [{"sid": "SM" + "3" * 32}],
    }
    with responses.RequestsMock() as twilio:
        for param, messages in listed.items():
            twilio.get(
                f"{API}/Messages.json",
                match=[matchers.query_param_matcher({param: UK_NUMBER, "PageSize": "1000"})],
                json={"messages": messages, "next_page_uri": None, "page": 0,
                      "page_size": 1000, "uri": "/x", "first_page_uri": "/x",
                      "previous_page_uri": None, "start": 0, "end": len(messages) - 1},
            )
            for message in messages:
                twilio.delete(f"{API}/Messages/{message['sid']}.json", status=204)
        now = sms.housekeeping(clock=utcnow).run()  # too soon: Twilio is still sending
        assert now["forgotten"] == 0 and len(twilio.calls) == 0
        done = sms.housekeeping(clock=lambda: utcnow() + timedelta(minutes=5)).run()
        assert done["forgotten"] == 1
        deleted = [c.request.url for c in twilio.calls if c.request.method == "DELETE"]
        assert len(deleted) == 3
    assert count(sms, PendingErasure) == 0
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) == 0


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_a_failed_erasure_at_twilio_is_retried(sms: SmsServices, phone: Phone) -> None:
    phone.text("DELETE")
    phone.text("ERASE")
    with responses.RequestsMock() as twilio:
        twilio.get(f"{API}/Messages.json", status=503, json={"code": 20500, "message": "down"})
        result = sms.housekeeping(clock=lambda: utcnow() + timedelta(minutes=5)).run()
    assert result["forgotten"] == 0 and count(sms, PendingErasure) == 1


def test_without_an_account_nothing_waits(sms: SmsServices, phone: Phone) -> None:
    phone.text("DELETE")
    phone.text("ERASE")
    assert count(sms, PendingErasure) == 0  # no REST account: Twilio's console is the way
