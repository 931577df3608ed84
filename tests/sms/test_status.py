"""POST /sms/status: 21610 stops the number; repeated delivery failures stop scheduled sends."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from crampvoice.composition import Services as SmsServices
from crampvoice.storage import repository
from crampvoice_sms import fake

from .conftest import ACCOUNT_SID, PUBLIC_URL, TWILIO_NUMBER, Phone, new_sid, sign


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"CRAMPVOICE_SMS_FAILURE_LIMIT": 3}


def callback(phone: Phone, status: str, error: str = "", sid: str | None = None) -> int:
    form = fake.status_form(
        sid or new_sid(), phone.number, status, error or None,
        AccountSid=ACCOUNT_SID, From=TWILIO_NUMBER,
    )
    return phone.post(form, path="/sms/status").status_code


def test_error_21610_stops_the_number(phone: Phone, sms: SmsServices) -> None:
    phone.text("hello")
    assert callback(phone, "undelivered", "21610") == 204
    assert phone.text("i have a cramp") is None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        assert sms.sender.send(phone.number, "Hello").status == "blocked"
        assert len(twilio.calls) == 0


def test_21610_for_a_number_that_never_texted_is_remembered(phone: Phone, sms: SmsServices) -> None:
    assert callback(phone, "failed", "21610") == 204
    assert sms.sender.send(phone.number, "Hello").status == "blocked"


def test_repeated_failures_stop_scheduled_sends_but_not_replies(
    phone: Phone, sms: SmsServices
) -> None:
    phone.text("hello")
    for _ in range(2):
        callback(phone, "undelivered", "30003")
    assert sms.sender.send(phone.number, "Bedtime stretches?", scheduled=True).status == "queued"
    callback(phone, "failed", "30005")
    assert sms.sender.send(phone.number, "Bedtime stretches?", scheduled=True).status == "blocked"
    assert phone.text("tips") is not None  # they can still text and get answers


def test_a_delivery_resets_the_count_and_a_repeated_callback_counts_once(
    phone: Phone, sms: SmsServices
) -> None:
    phone.text("hello")
    callback(phone, "failed", "30003")
    callback(phone, "failed", "30003")
    callback(phone, "delivered")
    same = new_sid()
    for _ in range(3):
        callback(phone, "undelivered", "30003", sid=same)
    callback(phone, "failed", "30003")
    assert sms.sender.send(phone.number, "Bedtime stretches?", scheduled=True).status == "queued"


def test_start_turns_scheduled_sends_back_on(phone: Phone, sms: SmsServices) -> None:
    phone.text("hello")
    for _ in range(3):
        callback(phone, "failed", "30003")
    phone.text("START")
    assert sms.sender.send(phone.number, "Bedtime stretches?", scheduled=True).status == "queued"


def test_status_callbacks_must_be_signed_and_complete(phone: Phone, sms: SmsServices) -> None:
    form = fake.status_form(new_sid(), phone.number, "failed", "21610")
    assert phone.client.post("/sms/status", data=form).status_code == 403
    assert phone.post(form, path="/sms/status", signed_url=PUBLIC_URL + "/sms").status_code == 403
    with sms.store.transaction() as session:
        assert not repository.is_stopped(session, phone.number)
    del form["To"]
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/status", form)}
    assert phone.client.post("/sms/status", data=form, headers=headers).status_code == 400
