"""The webhook's one-HMAC signature check agrees with twilio's own RequestValidator."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from crampvoice_sms import fake
from crampvoice_sms.signature import Signatures

TOKEN = "test-auth-token"
FORM = fake.inbound_form("+447700900123", "cramp & <pain> ünïcode", sid="SM" + "1" * 32)


@pytest.mark.parametrize(
    ("signed_url", "checked_url"),
    [
        ("https://cramp.example.org/sms", "https://cramp.example.org/sms"),
        ("https://cramp.example.org:443/sms", "https://cramp.example.org/sms"),
        ("https://cramp.example.org/sms", "https://cramp.example.org:443/sms"),
        ("http://127.0.0.1:8000/sms?x=1", "http://127.0.0.1:8000/sms?x=1"),
    ],
)
def test_accepts_what_twilio_signs(signed_url: str, checked_url: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed_url, FORM)
    fields = list(MultiDict(FORM).lists())
    assert Signatures(TOKEN).valid(checked_url, fields, signature)
    assert RequestValidator(TOKEN).validate(checked_url, FORM, signature)


def test_repeated_fields_are_signed_as_twilio_signs_them() -> None:
    form = MultiDict([("Body", "b"), ("MediaUrl", "z"), ("MediaUrl", "a"), ("From", "+1")])
    signature = RequestValidator(TOKEN).compute_signature("https://x.example/sms", form)
    assert Signatures(TOKEN).valid("https://x.example/sms", list(form.lists()), signature)


@pytest.mark.parametrize(
    "change",
    [
        lambda form: {**form, "Body": "something else"},
        lambda form: {**form, "Extra": "1"},
    ],
)
def test_refuses_a_changed_form(change) -> None:  # type: ignore[no-untyped-def]
    signature = RequestValidator(TOKEN).compute_signature("https://x.example/sms", FORM)
    fields = list(MultiDict(change(FORM)).lists())
    assert not Signatures(TOKEN).valid("https://x.example/sms", fields, signature)


def test_refuses_another_token_or_url_or_junk() -> None:
    signature = RequestValidator("other").compute_signature("https://x.example/sms", FORM)
    fields = list(MultiDict(FORM).lists())
    assert not Signatures(TOKEN).valid("https://x.example/sms", fields, signature)
    good = RequestValidator(TOKEN).compute_signature("https://x.example/sms", FORM)
    assert not Signatures(TOKEN).valid("https://y.example/sms", fields, good)
    assert not Signatures(TOKEN).valid("https://x.example/sms", fields, "ünï")
