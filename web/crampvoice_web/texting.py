"""The simulator's phone: a text goes to the real POST /sms, signed as Twilio signs it.

The form is the one Twilio posts for an incoming SMS, signed with the app's own
TWILIO_AUTH_TOKEN against CRAMPVOICE_PUBLIC_URL + "/sms" (twilio's RequestValidator),
and dispatched through the app itself, so the webhook, its signature check, the
conversation store and the core all run exactly as for a real text.

Each browser gets its own fictional-looking number per country (an example mobile
number of that country with its last two digits drawn at random), remembered in its
signed session cookie; only those numbers can be read back from the outbox.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import phonenumbers
from flask import Flask
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from twilio.request_validator import RequestValidator

from crampvoice import phone
from crampvoice_sms.commands import LOCAL_TWILIO_NUMBER, reply_texts
from crampvoice_sms.config import public_url

#: Countries a simulated phone can be from: the ones the content has a locale for, and
#: some that show the other emergency-number rules (112 in the EU, none known).
COUNTRIES: dict[str, str] = {
    "US": "United States",
    "GB": "United Kingdom",
    "CA": "Canada",
    "AU": "Australia",
    "IN": "India",
    "IE": "Ireland",
    "NZ": "New Zealand",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "BR": "Brazil",
    "ZA": "South Africa",
}
#: Twilio's longest message body.
MAX_BODY = 1600


class SimulatorError(RuntimeError):
    """The app refused the simulator's own request (a misconfiguration: logged)."""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    calling_code: int


def countries() -> list[Country]:
    return [
        Country(code, name, phonenumbers.country_code_for_region(code))
        for code, name in COUNTRIES.items()
    ]


def new_number(country: str) -> str:
    """A number of `country` for the simulator, E.164: the country's example mobile
    number with random last two digits (still of that country)."""
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"no example number for {country}")
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    for _ in range(20):
        candidate = base[:-2] + f"{secrets.randbelow(100):02d}"
        if phone.region(candidate) == country:
            return candidate
    return base


def display(number: str) -> str:
    """A number as people write it: "+44 7400 123456"."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


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
        raise SimulatorError(f"POST /sms answered {response.status_code}")
    texts: list[str] = reply_texts(response.get_data(as_text=True))
    return texts
