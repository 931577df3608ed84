"""The simulator's phone: a text goes to the real POST /sms, signed as Twilio signs it
(`crampvoice_sms.fake`, the same fake Twilio `crampvoice chat` and the tests use), so the
webhook, its signature check, the conversation store and the core all run exactly as for
a real text.

Each browser gets its own fictional-looking number per country (an example mobile
number of that country with its last four digits drawn at random, never one this
process has handed out before), remembered in its signed session cookie; only those
numbers can be read back from the outbox.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import phonenumbers
from flask import Flask
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crampvoice import phone
from crampvoice_sms import fake

__all__ = ["COUNTRIES", "SimulatorError", "call_service", "countries", "display", "new_number",
           "service_number", "text_service"]

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


#: Random digits at the end of a simulated number, and the numbers handed out so far
#: (two browsers of one server never share a number).
_RANDOM_DIGITS = 4
_ISSUED: set[str] = set()

#: The app refused the simulator's own request (a misconfiguration: logged).
SimulatorError = fake.RefusedText


def service_number(app: Flask) -> str:
    return str(app.config.get("TWILIO_FROM") or fake.LOCAL_TWILIO_NUMBER)


def text_service(app: Flask, sender: str, body: str) -> list[str]:
    """Text the app's own /sms from `sender`, signed with its own token; the replies."""
    return fake.for_config(app.test_client(), app.config).text(sender, body)


def call_service(app: Flask, caller: str, sid: str, **fields: str | None) -> str:
    """One request of a call to the app's own /voice, signed with its own token: the TwiML."""
    twilio = fake.for_config(app.test_client(), app.config)
    call = fake.Call(twilio, caller, sid)
    if fields.pop("hang_up", None):
        call.hang_up()
        return ""
    return call.twiml(**fields)


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
    number with random last four digits (still of that country), not one handed out
    before by this process."""
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"no example number for {country}")
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    number = base
    for _ in range(100):
        digits = f"{secrets.randbelow(10**_RANDOM_DIGITS):0{_RANDOM_DIGITS}d}"
        candidate = base[:-_RANDOM_DIGITS] + digits
        if candidate not in _ISSUED and phone.region(candidate) == country:
            number = candidate
            break
    _ISSUED.add(number)
    return number


def display(number: str) -> str:
    """A number as people write it: "+44 7400 123456"."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
