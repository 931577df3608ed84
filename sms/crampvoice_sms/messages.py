"""What Twilio posts, parsed into the core's plain values (crampvoice.texting.messages).

A form that lacks what Twilio always sends raises `Malformed` (HTTP 400)."""

from __future__ import annotations

from collections.abc import Mapping

from crampvoice.texting.messages import Inbound, OptOutType, StatusReport, clean_body

__all__ = ["Inbound", "Malformed", "StatusReport", "parse_inbound", "parse_status", "required"]

MAX_FIELD = 64


class Malformed(ValueError):
    """A signed request without a field Twilio always sends."""


def required(form: Mapping[str, str], *names: str) -> str:
    """The first of `names` the form holds, refused when it is long or holds control characters."""
    for name in names:
        value = (form.get(name) or "").strip()
        if value:
            if len(value) > MAX_FIELD:
                raise Malformed(f"{name} is too long")
            if not value.isprintable():  # NUL, CR, LF...: never in what Twilio sends
                raise Malformed(f"{name} holds control characters")
            return value
    raise Malformed(f"{names[0]} is missing")


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    sender = required(form, "From")
    sid = required(form, "MessageSid", "SmsMessageSid")
    try:
        media = max(0, int(form.get("NumMedia") or 0))
    except ValueError:
        media = 0
    opt_out = (form.get("OptOutType") or "").strip().upper()
    return Inbound(
        sid=sid,
        sender=sender,
        body=clean_body(form.get("Body") or ""),  # cut at 1,600 before any parsing
        media=media,
        opt_out_type=OptOutType(opt_out) if opt_out in OptOutType.__members__ else None,
    )


def parse_status(form: Mapping[str, str]) -> StatusReport:
    code = "".join(c for c in (form.get("ErrorCode") or "") if c.isascii() and c.isalnum())
    return StatusReport(
        sid=required(form, "MessageSid", "SmsSid"),
        to=required(form, "To"),
        status=required(form, "MessageStatus", "SmsStatus").lower(),
        error_code=code[:16] or None,
    )
