"""Fixtures for phone calls: the real app on a real database, and calls made the way
Twilio makes them (`crampvoice_sms.fake.Call`: forms signed with twilio's own
RequestValidator). Every TwiML answer is checked against what Twilio documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from crampvoice_sms import fake
from tests.sms.conftest import (
    ACCOUNT_SID,
    PUBLIC_URL,
    TOKEN,
    TWILIO_NUMBER,
    UK_NUMBER,
    US_NUMBER,
    Phone,
)
from tests.sms.conftest import settings as sms_settings

MATERNITY_LINE = "+441632960123"

#: TwiML Voice verbs and the attributes Twilio documents for each (twilio.com/docs/voice/
#: twiml: <Say>, <Gather>, <Pause>, <Dial>, <Hangup>, <Redirect>), and where each may be.
ALLOWED: dict[str, frozenset[str]] = {
    "Response": frozenset(),
    "Say": frozenset({"voice", "language", "loop"}),
    "Pause": frozenset({"length"}),
    "Gather": frozenset({
        "action", "actionOnEmptyResult", "bargeIn", "enhanced", "finishOnKey", "hints",
        "input", "language", "method", "numDigits", "partialResultCallback",
        "partialResultCallbackMethod", "profanityFilter", "speechModel", "speechTimeout",
        "timeout",
    }),
    "Dial": frozenset({
        "action", "answerOnBridge", "callerId", "hangupOnStar", "method", "record",
        "ringTone", "timeLimit", "timeout",
    }),
    "Hangup": frozenset(),
    "Redirect": frozenset({"method"}),
}
NESTS = {"Response": {"Say", "Pause", "Gather", "Dial", "Hangup", "Redirect"},
         "Gather": {"Say", "Pause"}}
INPUTS = {"dtmf", "speech", "dtmf speech", "speech dtmf"}
METHODS = {"GET", "POST"}


def check_twiml(twiml: str) -> ElementTree.Element:
    """Parse a TwiML answer and refuse anything Twilio does not document."""
    root = ElementTree.fromstring(twiml)
    assert root.tag == "Response"

    def walk(node: ElementTree.Element) -> None:
        assert node.tag in ALLOWED, f"undocumented verb <{node.tag}>"
        unknown = set(node.attrib) - ALLOWED[node.tag]
        assert not unknown, f"<{node.tag}> has undocumented attributes {unknown}"
        for child in node:
            assert child.tag in NESTS.get(node.tag, set()), f"<{child.tag}> in <{node.tag}>"
            walk(child)
        if node.tag == "Pause":
            assert int(node.attrib.get("length", "1")) >= 1
        if node.tag == "Say":
            assert (node.text or "").strip(), "an empty <Say>"
            assert "<" not in (node.text or "")
        if node.tag == "Gather":
            assert node.attrib.get("input", "dtmf") in INPUTS
            assert node.attrib.get("method", "POST") in METHODS
            assert node.attrib.get("speechTimeout", "auto") == "auto" or \
                node.attrib["speechTimeout"].isdigit()
            assert all(len(h.strip()) <= 100 for h in node.attrib.get("hints", "").split(","))
        if node.tag == "Dial":
            number = (node.text or "").strip()
            assert number.startswith("+") and len(number) >= 9, "dials only a full number"

    walk(root)
    return root


class Caller:
    """One person calling the service; every answer checked with `check_twiml`."""

    def __init__(self, client: FlaskClient, number: str, sid: str | None = None) -> None:
        twilio = fake.Twilio(client, token=TOKEN, public_url=PUBLIC_URL, to=TWILIO_NUMBER,
                             account_sid=ACCOUNT_SID)
        self.call = fake.Call(twilio, number, sid)
        self.number = number
        self.last = ""

    @property
    def sid(self) -> str:
        return self.call.sid

    def twiml(self, **fields: str | None) -> ElementTree.Element:
        self.last = self.call.twiml(**fields)
        return check_twiml(self.last)

    def hear(self, **fields: str | None) -> list[str]:
        """What the caller hears after saying (`speech=`) or pressing (`digits=`) something."""
        self.twiml(**fields)
        return fake.spoken(self.last)

    @property
    def hung_up(self) -> bool:
        return ElementTree.fromstring(self.last).find("Hangup") is not None

    @property
    def listening(self) -> bool:
        return ElementTree.fromstring(self.last).find("Gather") is not None


@pytest.fixture
def app_base_settings() -> Callable[..., dict[str, Any]]:
    return sms_settings


@pytest.fixture
def caller(client: FlaskClient) -> Iterator[Caller]:
    yield Caller(client, UK_NUMBER)


@pytest.fixture
def us_caller(client: FlaskClient) -> Caller:
    return Caller(client, US_NUMBER)


@pytest.fixture
def phone(client: FlaskClient) -> Phone:
    """The caller's own number, texting the service (the SMS webhook)."""
    return Phone(client, UK_NUMBER)
