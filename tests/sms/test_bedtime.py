"""Bedtime prompts by SMS: subscribing in the ways people write it, the time zone from the
number or asked for, the send window, BEDTIME OFF, and STOP and erasure ending it all."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from crampvoice.composition import Services as SmsServices
from crampvoice.state import State
from crampvoice.storage import repository
from crampvoice.storage.models import Event, Subscription

from .conftest import US_NUMBER, Phone

AU_NUMBER = "+61412345678"  # an Australian mobile: several time zones, so we ask
NO_ZONE_NUMBER = "+15551234567"  # a number phonenumbers knows no time zone for


def subscription(sms: SmsServices, number: str) -> Subscription | None:
    with sms.store.transaction() as session:
        return repository.subscription(session, number)


def active(sms: SmsServices) -> int:
    with sms.store.transaction() as session:
        return repository.count_active_subscriptions(session)


def assert_confirmed(reply: str | None, at: str, zone: str) -> None:
    """What CTIA asks of a recurring-message opt-in: what, how often, rates, how to stop.
    `zone` is the name people use ("Eastern time"), never the IANA id."""
    assert reply is not None
    assert f"every night at {at} ({zone})" in reply
    assert "Msg & data rates may apply" in reply
    assert "BEDTIME OFF" in reply and "STOP" in reply and "HELP" in reply


@pytest.fixture
def au_phone(client: FlaskClient) -> Phone:
    return Phone(client, AU_NUMBER)


def test_bedtime_with_a_time_subscribes_with_the_numbers_zone(
    us_phone: Phone, sms: SmsServices
) -> None:
    before = datetime.now(UTC)
    assert_confirmed(us_phone.text("BEDTIME 9:30pm"), "9:30 pm", "Eastern time")
    found = subscription(sms, US_NUMBER)
    assert found is not None and found.active
    assert (found.local_time, found.zone) == (time(21, 30), "America/New_York")
    assert found.next_send_at is not None and found.next_send_at > before
    local = found.next_send_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (21, 30)
    assert active(sms) == 1


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("remind me at 10 every night", "10:00 pm"),
        ("bedtime 21:30", "9:30 pm"),
        ("Bedtime 9.45 pm", "9:45 pm"),
        ("please remind me to stretch at 8pm", "8:00 pm"),
    ],
)
def test_natural_forms_subscribe(
    us_phone: Phone, sms: SmsServices, message: str, said: str
) -> None:
    assert_confirmed(us_phone.text(message), said, "Eastern time")
    assert active(sms) == 1


def test_changing_the_time_keeps_one_subscription(us_phone: Phone, sms: SmsServices) -> None:
    us_phone.text("BEDTIME 9:30pm")
    assert_confirmed(us_phone.text("change my bedtime to 10"), "10:00 pm", "Eastern time")
    found = subscription(sms, US_NUMBER)
    assert found is not None and found.local_time == time(22, 0)
    assert active(sms) == 1


def test_an_australian_mobile_is_asked_for_its_zone_first(
    au_phone: Phone, sms: SmsServices
) -> None:
    asked = au_phone.text("BEDTIME 9pm")
    assert asked is not None and "Which time zone" in asked and "TZ Sydney" in asked
    assert subscription(sms, AU_NUMBER) is None  # nothing starts before the zone is known
    assert_confirmed(au_phone.text("TZ Sydney"), "9:00 pm", "Sydney time")
    found = subscription(sms, AU_NUMBER)
    assert found is not None and found.active and found.zone == "Australia/Sydney"


def test_the_zone_question_takes_a_bare_place_name_too(au_phone: Phone) -> None:
    au_phone.text("remind me at 9:15 every night")
    assert_confirmed(au_phone.text("Perth"), "9:15 pm", "Perth time")


def test_an_unknown_zone_is_said_and_the_question_stays_open(au_phone: Phone) -> None:
    au_phone.text("BEDTIME 9pm")
    unknown = au_phone.text("TZ Narnia")
    assert unknown is not None and "don't know that time zone" in unknown
    assert_confirmed(au_phone.text("TZ Australia/Brisbane"), "9:00 pm", "Brisbane time")


def test_a_number_with_no_known_zone_is_asked_too(client: FlaskClient) -> None:
    phone = Phone(client, NO_ZONE_NUMBER)
    asked = phone.text("BEDTIME 9:30pm")
    assert asked is not None and "Which time zone" in asked
    assert_confirmed(phone.text("TZ Pacific"), "9:30 pm", "Pacific time")


def test_a_zone_chosen_first_is_used_without_asking(au_phone: Phone, sms: SmsServices) -> None:
    assert au_phone.text("TZ Perth") == "Time zone set to Perth time."
    assert active(sms) == 0
    assert_confirmed(au_phone.text("bedtime 21:00"), "9:00 pm", "Perth time")


def test_a_new_zone_moves_an_active_subscription(us_phone: Phone, sms: SmsServices) -> None:
    us_phone.text("BEDTIME 9:30pm")
    assert us_phone.text("TZ Europe/London") == "Time zone set to London time."
    found = subscription(sms, US_NUMBER)
    assert found is not None and found.active and found.next_send_at is not None
    local = found.next_send_at.astimezone(ZoneInfo("Europe/London"))
    assert (local.hour, local.minute) == (21, 30)


def test_bedtime_off_ends_the_prompts(us_phone: Phone, sms: SmsServices) -> None:
    us_phone.text("BEDTIME 9:30pm")
    off = us_phone.text("BEDTIME OFF")
    assert off is not None and "Bedtime tips are off" in off
    found = subscription(sms, US_NUMBER)
    assert found is not None and not found.active and found.next_send_at is None
    assert active(sms) == 0
    assert us_phone.text("i have a cramp") is not None  # everything else still works


def test_stop_my_bedtime_reminders_is_not_a_stop_of_everything(
    us_phone: Phone, sms: SmsServices
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    us_phone.text("stop my bedtime reminders")
    assert active(sms) == 0
    with sms.store.transaction() as session:
        assert not repository.is_stopped(session, US_NUMBER)


@pytest.mark.parametrize("extra", [{}, {"OptOutType": "STOP"}])
def test_stop_ends_the_prompts_too(
    us_phone: Phone, sms: SmsServices, extra: dict[str, str]
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    us_phone.text("STOP", **extra)
    assert active(sms) == 0
    assert us_phone.text("BEDTIME 9:30pm") is None  # a stopped number gets nothing
    us_phone.text("START")
    assert active(sms) == 0  # opting back in does not restart the prompts by itself
    assert_confirmed(us_phone.text("BEDTIME 9:30pm"), "9:30 pm", "Eastern time")


def test_delete_then_erase_erases_the_subscription(us_phone: Phone, sms: SmsServices) -> None:
    us_phone.text("BEDTIME 9:30pm")
    us_phone.text("DELETE")
    done = us_phone.text("ERASE")
    assert done is not None and "erased" in done
    with sms.store.transaction() as session:
        assert repository.rows_about(session, US_NUMBER) == 0
        assert repository.count_active_subscriptions(session) == 0


def test_an_escalation_wins_over_a_bedtime_command(us_phone: Phone, sms: SmsServices) -> None:
    reply = us_phone.text("bedtime 9pm, my calf is swollen and red and I can't breathe")
    assert reply is not None and "911" in reply and "Msg & data" not in reply
    assert subscription(sms, US_NUMBER) is None


class TestSendWindow:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {"CRAMPVOICE_SEND_WINDOW": "08:00-21:00"}

    def test_a_time_outside_the_window_gets_a_clear_reply(
        self, us_phone: Phone, sms: SmsServices
    ) -> None:
        reply = us_phone.text("BEDTIME 9:30pm")
        assert reply is not None and "between 8:00 am and 9:00 pm" in reply
        assert "BEDTIME" in reply
        assert subscription(sms, US_NUMBER) is None
        assert_confirmed(us_phone.text("BEDTIME 8:30pm"), "8:30 pm", "Eastern time")

    def test_the_window_is_checked_before_asking_for_a_zone(self, au_phone: Phone) -> None:
        reply = au_phone.text("BEDTIME 10pm")
        assert reply is not None and "only send bedtime tips between" in reply


class TestRateLimit:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {"CRAMPVOICE_SMS_RATE_LIMIT": 2}

    def test_over_the_limit_nothing_starts_but_bedtime_off_still_works(
        self, us_phone: Phone, sms: SmsServices
    ) -> None:
        assert_confirmed(us_phone.text("BEDTIME 9:30pm"), "9:30 pm", "Eastern time")
        us_phone.text("tips")
        limited = us_phone.text("BEDTIME 10pm")
        assert limited is not None and "wait a little" in limited
        found = subscription(sms, US_NUMBER)
        assert found is not None and found.local_time == time(21, 30)  # unchanged
        off = us_phone.text("BEDTIME OFF")
        assert off is not None and "off" in off
        assert active(sms) == 0


def test_a_bedtime_turn_is_counted_for_the_dashboard(us_phone: Phone, sms: SmsServices) -> None:
    us_phone.text("BEDTIME 9:30pm")
    us_phone.text("BEDTIME OFF")
    with sms.store.transaction() as session:
        turns = [(e.intent, e.answered) for e in session.scalars(select(Event).order_by(Event.id))]
    assert turns == [("reminder_set", True), ("reminder_cancel", True)]


@pytest.mark.parametrize(
    "stored",
    [
        {"pending": "bedtime_zone", "bedtime": "25:99"},
        {"pending": "bedtime_zone", "bedtime": 2130},
        {"pending": "bedtime_zone", "bedtime": "9:30pm; DROP TABLE people"},
    ],
)
def test_a_damaged_pending_time_reads_back_as_none(stored: dict[str, object]) -> None:
    state = State.from_dict(stored)
    assert state.pending == "bedtime_zone" and state.bedtime is None
    assert State.from_dict({"pending": "bedtime_zone", "bedtime": "21:30"}).bedtime == "21:30"
