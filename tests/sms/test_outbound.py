"""Sending outside a reply: through Twilio's REST API once (never retried), or into the
outbox without credentials; always GSM-7 within budget, never to a stopped number."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses

from crampvoice.composition import Services as SmsServices
from crampvoice.content import SMS_ONE_SEGMENT
from crampvoice.render import BudgetError
from crampvoice.storage import repository

from .conftest import PUBLIC_URL, UK_NUMBER, Phone

ACCOUNT = "AC" + "a" * 32
MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
LIVE = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_FROM": "+15005550006"}


def sent_form(call: Any) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def outbox(sms: SmsServices) -> list[tuple[str, str | None, str | None]]:
    with sms.store.transaction() as session:
        return [(m.status, m.sid, m.error_code) for m in repository.outbox(session, UK_NUMBER)]


def test_without_credentials_messages_wait_in_the_outbox(sms: SmsServices) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        result = sms.sender.send(UK_NUMBER, "Time for your bedtime stretches. Text STRETCH.")
        assert len(twilio.calls) == 0
    assert result.status == "queued"
    with sms.store.transaction() as session:
        [queued] = repository.outbox(session, UK_NUMBER)
        assert queued.body == "Time for your bedtime stretches. Text STRETCH."


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_with_credentials_one_rest_call_with_a_status_callback(sms: SmsServices) -> None:
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, json={"sid": "SM" + "b" * 32, "status": "queued"}, status=201)
        result = sms.sender.send(UK_NUMBER, "Time for your bedtime stretches.")
        [call] = twilio.calls
    assert result.status == "sent" and result.sid == "SM" + "b" * 32
    form = sent_form(call)
    assert form["To"] == UK_NUMBER and form["From"] == "+15005550006"
    assert form["Body"] == "Time for your bedtime stretches."
    assert form["StatusCallback"] == PUBLIC_URL + "/sms/status"
    assert outbox(sms) == [("sent", "SM" + "b" * 32, None)]


@pytest.mark.parametrize(
    "app_settings",
    [{"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_MESSAGING_SERVICE_SID": "MG" + "c" * 32}],
    indirect=True,
)
def test_a_messaging_service_sends_instead_of_a_number(sms: SmsServices) -> None:
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, json={"sid": "SM" + "d" * 32}, status=201)
        sms.sender.send(UK_NUMBER, "Hello")
        form = sent_form(twilio.calls[0])
    assert form["MessagingServiceSid"] == "MG" + "c" * 32 and "From" not in form


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_error_21610_from_the_api_stops_the_number(sms: SmsServices, phone: Phone) -> None:
    phone.text("hello")
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, status=400, json={
            "code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400,
        })
        assert sms.sender.send(UK_NUMBER, "Hello").status == "failed"
        assert sms.sender.send(UK_NUMBER, "Hello again").status == "blocked"
        assert len(twilio.calls) == 1
    assert phone.text("i have a cramp") is None


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
@pytest.mark.parametrize(
    "failure, status",
    [
        ({"status": 500, "json": {"code": 20500, "message": "Internal Server Error"}}, "failed"),
        ({"body": requests.ConnectionError("connection reset")}, "unknown"),
        ({"body": requests.Timeout("read timed out")}, "unknown"),
    ],
)
def test_a_send_that_may_have_gone_through_is_never_retried(
    sms: SmsServices, failure: dict[str, Any], status: str
) -> None:
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, **failure)
        assert sms.sender.send(UK_NUMBER, "Hello").status == status
        assert len(twilio.calls) == 1
    assert [row[0] for row in outbox(sms)] == [status]


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
@pytest.mark.parametrize(
    "text, budget",
    [
        ("Stretch \u2014 then rest", 306),  # em dash: UCS-2
        ("Sleep well \U0001f634", 306),
        ("\u201cCurly\u201d quotes", 306),
        ("x" * 307, 306),
        ("[" * 154, 306),  # extension characters count double
        ("Straighten your leg. " * 8, SMS_ONE_SEGMENT),
    ],
)
def test_only_gsm7_within_budget_is_ever_sent(sms: SmsServices, text: str, budget: int) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        with pytest.raises(BudgetError):
            sms.sender.send(UK_NUMBER, text, budget=budget)
        assert len(twilio.calls) == 0
    assert outbox(sms) == []


def test_scheduled_sends_need_a_person_who_texted_first(sms: SmsServices, phone: Phone) -> None:
    assert sms.sender.send(UK_NUMBER, "Bedtime?", scheduled=True).status == "blocked"
    phone.text("hello")
    assert sms.sender.send(UK_NUMBER, "Bedtime?", scheduled=True).status == "queued"
