"""What Twilio posts about a phone call, parsed into the core's values
(crampvoice.calling.messages). A form without what Twilio always sends raises `Malformed`."""

from __future__ import annotations

from collections.abc import Mapping

from crampvoice.calling.messages import CallStatus, Heard
from crampvoice_sms.messages import MAX_FIELD, Malformed

MAX_SPEECH = 2000


def _required(form: Mapping[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise Malformed(f"{name} is missing")
    if len(value) > MAX_FIELD:
        raise Malformed(f"{name} is too long")
    return value


def parse_call(form: Mapping[str, str]) -> Heard:
    digits = (form.get("Digits") or "").strip()
    return Heard(
        sid=_required(form, "CallSid"),
        caller=(form.get("From") or "").strip()[:MAX_FIELD] or "anonymous",
        speech=(form.get("SpeechResult") or "")[:MAX_SPEECH],
        digits=digits if digits.isascii() and len(digits) <= 16 else "",
        dial_status=(form.get("DialCallStatus") or "").strip()[:16] or None,
    )


def parse_call_status(form: Mapping[str, str]) -> CallStatus:
    return CallStatus(
        sid=_required(form, "CallSid"),
        caller=(form.get("From") or "").strip()[:MAX_FIELD],
        status=_required(form, "CallStatus").lower(),
    )
