"""The abuse suite for /sms and /sms/status, on SQLite and PostgreSQL: forged, replayed
and oversize requests, NUL and CR/LF in every field Twilio sends. Each is refused (403,
400, 413) or answered; none is a 500, and a legitimate text is never lost."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from crampvoice_sms import fake

from .conftest import ACCOUNT_SID, PUBLIC_URL, TOKEN, TWILIO_NUMBER, UK_NUMBER, Phone, new_sid

BAD = ["\x00", "\r\n", "a\x00b", "\x1b[31m\u2028"]
INBOUND_FIELDS = ["From", "Body", "To", "MessageSid", "SmsMessageSid", "AccountSid",
                  "OptOutType", "NumMedia", "NumSegments", "SmsStatus", "ApiVersion"]
STATUS_FIELDS = ["MessageSid", "To", "MessageStatus", "ErrorCode", "AccountSid", "From"]


def post(client: FlaskClient, path: str, form: dict[str, str]) -> int:
    headers = fake.signed_headers(TOKEN, PUBLIC_URL + path, form)
    status: int = client.post(path, data=form, headers=headers).status_code
    return status


@pytest.mark.parametrize("field", INBOUND_FIELDS)
@pytest.mark.parametrize("bad", BAD)
def test_control_characters_in_any_inbound_field_are_never_a_500(
    client: FlaskClient, field: str, bad: str
) -> None:
    form = fake.inbound_form(UK_NUMBER, "i have a cramp", to=TWILIO_NUMBER,
                             account_sid=ACCOUNT_SID, sid=new_sid())
    form[field] = form.get(field, "") + bad
    assert post(client, "/sms", form) in (200, 400)


def test_a_nul_in_the_body_is_answered(phone: Phone) -> None:
    reply = phone.text("i have a cramp\x00 in my calf\r\nhelp")
    assert reply is not None and reply.startswith("Straighten")


@pytest.mark.parametrize("field", STATUS_FIELDS)
@pytest.mark.parametrize("bad", BAD)
def test_control_characters_in_any_status_field_are_never_a_500(
    client: FlaskClient, field: str, bad: str
) -> None:
    form = fake.status_form("SM" + "a" * 32, UK_NUMBER, "undelivered", "30003")
    form[field] = form.get(field, "") + bad
    assert post(client, "/sms/status", form) in (204, 400)


def test_forged_and_unsigned_requests_do_nothing(phone: Phone) -> None:
    form = phone.form("STOP")
    assert phone.post(form, signature="forged").status_code == 403
    assert phone.client.post("/sms", data=form).status_code == 403
    tampered = dict(form, Body="STOP")
    signed_for_other = fake.signature(TOKEN, PUBLIC_URL + "/sms", phone.form("hello"))
    assert phone.post(tampered, signature=signed_for_other).status_code == 403
    assert phone.text("tips") is not None  # never stopped by any of them


def test_a_replayed_message_gets_the_same_reply_and_nothing_new(phone: Phone) -> None:
    form = phone.form("what causes cramps")
    first = phone.send(form)
    assert all(phone.send(form) == first for _ in range(5))


def test_an_oversize_request_is_refused_and_a_big_body_is_cut(phone: Phone) -> None:
    huge = phone.form("x" * 70_000)
    assert phone.post(huge).status_code == 413  # over the app's 64 KB request limit
    big = phone.text("I have chest pain and can't breathe " + "a " * 31_000)
    assert big is not None and big.startswith("Call 999 now")
