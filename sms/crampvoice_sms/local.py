"""Texting the app from inside it, exactly as Twilio does: the simulator's phone and
`crampvoice chat` both post the form Twilio posts for an incoming SMS, signed with the
app's own TWILIO_AUTH_TOKEN against CRAMPVOICE_PUBLIC_URL + "/sms" (twilio's
RequestValidator), through the app itself. So the webhook, its signature check, the
opt-out rules, the bedtime commands, the conversation store and the core all run as for
a real text: there is no second implementation of what SMS does.
"""

from __future__ import annotations

import uuid

from flask import Flask
from twilio.request_validator import RequestValidator

from crampvoice_sms.commands import LOCAL_TWILIO_NUMBER, reply_texts
from crampvoice_sms.config import public_url


class LocalTextError(RuntimeError):
    """The app refused its own signed text (a misconfiguration)."""


def service_number(app: Flask) -> str:
    return str(app.config.get("TWILIO_FROM") or LOCAL_TWILIO_NUMBER)


def inbound_form(app: Flask, sender: str, body: str) -> dict[str, str]:
    """The form Twilio posts for one incoming text."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": str(app.config.get("TWILIO_ACCOUNT_SID") or "AC" + "0" * 32),
        "From": sender,
        "To": service_number(app),
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def text_service(app: Flask, sender: str, body: str) -> list[str]:
    """Text the service from `sender`; the messages of its TwiML reply (maybe none)."""
    form = inbound_form(app, sender, body)
    url = public_url(app.config, "/sms")
    signature = RequestValidator(str(app.config["TWILIO_AUTH_TOKEN"])).compute_signature(url, form)
    response = app.test_client().post("/sms", data=form, headers={"X-Twilio-Signature": signature})
    if response.status_code != 200:
        raise LocalTextError(f"POST /sms answered {response.status_code}")
    texts: list[str] = reply_texts(response.get_data(as_text=True))
    return texts
