"""Twilio, faked once: the requests Twilio makes to the webhooks, signed as Twilio signs
them (twilio's own `RequestValidator`), and the texts of a TwiML reply.

Everything that texts the service without Twilio uses this module and nothing else:
the simulator's phone, `crampvoice chat` and `crampvoice sms`, the tests and the
benchmarks. Each request goes to the real POST /sms (or /sms/status), so the signature
check, the opt-out rules, the bedtime commands, the conversation store and the core all
run as for a real text: there is no second implementation of what SMS does.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

#: The number the local server pretends to be (the `To` of a simulated text).
LOCAL_TWILIO_NUMBER = "+15005550006"
LOCAL_ACCOUNT_SID = "AC" + "0" * 32
SIGNATURE_HEADER = "X-Twilio-Signature"


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


def counting_sids(prefix: str = "SM") -> Callable[[], str]:
    """Message sids that count up (SM000...1, SM000...2): readable in a test's failure."""
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers):032d}"


def inbound_form(
    sender: str,
    body: str,
    *,
    to: str = LOCAL_TWILIO_NUMBER,
    account_sid: str = LOCAL_ACCOUNT_SID,
    sid: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The form Twilio posts to /sms for one incoming text (`extra`: OptOutType, ...)."""
    sid = sid or new_sid()
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def status_form(
    sid: str, to: str, status: str, error_code: str | None = None, **extra: str
) -> dict[str, str]:
    """The form Twilio posts to /sms/status about a message sent to `to`."""
    form = {"MessageSid": sid, "MessageStatus": status, "To": to, **extra}
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


def signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """X-Twilio-Signature for `form` posted to `url` (the URL Twilio was configured with)."""
    signed: str = RequestValidator(token).compute_signature(url, dict(form))
    return signed


def signed_headers(token: str, url: str, form: Mapping[str, str]) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(token, url, form)}


def reply_texts(twiml: str) -> list[str]:
    """The messages of a TwiML reply (maybe none)."""
    root = ElementTree.fromstring(twiml)
    return ["".join(message.itertext()) for message in root.iter("Message")]


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def call_form(
    caller: str,
    call_sid: str,
    *,
    speech: str | None = None,
    digits: str | None = None,
    to: str = LOCAL_TWILIO_NUMBER,
    account_sid: str = LOCAL_ACCOUNT_SID,
    **extra: str,
) -> dict[str, str]:
    """The form Twilio posts to /voice: a call's first request (no input), or a <Gather>'s
    result (SpeechResult with its Confidence, or Digits; neither when nothing was heard)."""
    form = {
        "CallSid": call_sid,
        "AccountSid": account_sid,
        "From": caller,
        "To": to,
        "Caller": caller,
        "Called": to,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }
    if speech is not None:
        form.update(SpeechResult=speech, Confidence="0.9")
    if digits is not None:
        form["Digits"] = digits
    return form


def call_status_form(caller: str, call_sid: str, status: str = "completed") -> dict[str, str]:
    """The form Twilio posts to the status callback when a call changes state."""
    return {
        "CallSid": call_sid,
        "AccountSid": LOCAL_ACCOUNT_SID,
        "From": caller,
        "To": LOCAL_TWILIO_NUMBER,
        "CallStatus": status,
        "CallDuration": "42",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def spoken(twiml: str) -> list[str]:
    """What a caller hears from a TwiML reply: each <Say>'s words, in order."""
    root = ElementTree.fromstring(twiml)
    return ["".join(say.itertext()) for say in root.iter("Say")]


class Client(Protocol):
    """Flask's test client, or anything that posts a form like it."""

    def post(self, path: str, *, data: Mapping[str, str], headers: Mapping[str, str]) -> Any: ...


class RefusedText(RuntimeError):
    """The app refused a correctly signed text (a misconfiguration)."""


@dataclass(frozen=True)
class Twilio:
    """Twilio in front of one app: its auth token and public URL, and the app's client."""

    client: Client
    token: str
    public_url: str
    to: str = LOCAL_TWILIO_NUMBER
    account_sid: str = LOCAL_ACCOUNT_SID

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path

    def post(
        self,
        path: str,
        form: Mapping[str, str],
        *,
        signed_url: str | None = None,
        signature_value: str | None = None,
    ) -> Any:
        """POST `form` to `path`, signed for `signed_url` (by default the public URL + path)."""
        headers = {
            SIGNATURE_HEADER: signature_value
            if signature_value is not None
            else signature(self.token, signed_url or self.url(path), form)
        }
        return self.client.post(path, data=dict(form), headers=headers)

    def form(self, sender: str, body: str, **extra: str) -> dict[str, str]:
        return inbound_form(sender, body, to=self.to, account_sid=self.account_sid, **extra)

    def text(self, sender: str, body: str, **extra: str) -> list[str]:
        """Text the service from `sender`: the messages of its TwiML reply (maybe none)."""
        response = self.post("/sms", self.form(sender, body, **extra))
        if response.status_code != 200:
            raise RefusedText(f"POST /sms answered {response.status_code}")
        return reply_texts(response.get_data(as_text=True))


class Call:
    """One phone call to the app's /voice, as Twilio makes it: signed requests, one CallSid."""

    def __init__(self, twilio: Twilio, caller: str, sid: str | None = None) -> None:
        self.twilio = twilio
        self.caller = caller
        self.sid = sid or new_call_sid()

    def post(self, **fields: str | None) -> Any:
        speech, digits = fields.pop("speech", None), fields.pop("digits", None)
        extra = {k: v for k, v in fields.items() if v is not None}
        form = call_form(self.caller, self.sid, speech=speech, digits=digits,
                         to=self.twilio.to, account_sid=self.twilio.account_sid, **extra)
        return self.twilio.post("/voice", form)

    def twiml(self, **fields: str | None) -> str:
        response = self.post(**fields)
        if response.status_code != 200:
            raise RefusedText(f"POST /voice answered {response.status_code}")
        text: str = response.get_data(as_text=True)
        return text

    def hang_up(self, status: str = "completed") -> Any:
        return self.twilio.post("/voice/status", call_status_form(self.caller, self.sid, status))


def for_config(client: Client, config: Mapping[str, Any]) -> Twilio:
    """The fake Twilio for an app's own settings (TWILIO_AUTH_TOKEN, CRAMPVOICE_PUBLIC_URL)."""
    return Twilio(
        client,
        token=str(config["TWILIO_AUTH_TOKEN"]),
        public_url=str(config["CRAMPVOICE_PUBLIC_URL"]),
        to=str(config.get("TWILIO_FROM") or LOCAL_TWILIO_NUMBER),
        account_sid=str(config.get("TWILIO_ACCOUNT_SID") or LOCAL_ACCOUNT_SID),
    )
