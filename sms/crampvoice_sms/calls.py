"""What Twilio posts about a phone call, parsed into the core's values
(crampvoice.calling.messages). A form without what Twilio always sends raises `Malformed`."""

from __future__ import annotations

from collections.abc import Mapping

from crampvoice.calling.messages import CallStatus, Heard
from crampvoice.texting.messages import clean_body
from crampvoice_sms.messages import MAX_FIELD, required

MAX_SPEECH = 2000


def _optional(form: Mapping[str, str], name: str, limit: int = MAX_FIELD) -> str:
    """A field Twilio may leave out, cut to `limit` with control characters dropped."""
    return clean_body(form.get(name) or "").strip()[:limit]


def parse_call(form: Mapping[str, str]) -> Heard:
    digits = (form.get("Digits") or "").strip()
    return Heard(
        sid=required(form, "CallSid"),
        caller=_optional(form, "From") or "anonymous",
        speech=_optional(form, "SpeechResult", MAX_SPEECH),
        digits=digits if digits.isascii() and digits.isprintable() and len(digits) <= 16 else "",
        dial_status=_optional(form, "DialCallStatus", 16) or None,
    )


def parse_call_status(form: Mapping[str, str]) -> CallStatus:
    return CallStatus(
        sid=required(form, "CallSid"),
        caller=_optional(form, "From"),
        status=required(form, "CallStatus").lower(),
    )
