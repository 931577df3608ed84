"""A text and a delivery report as plain values (the SMS adapter parses Twilio's forms
into these)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: Twilio's longest message body: anything longer is cut before any parsing.
MAX_BODY = 1600
#: Control characters a text never needs (NUL, which PostgreSQL cannot store, among
#: them); tab, line feed and carriage return are kept.
_CONTROLS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])


def clean_body(body: str) -> str:
    """A body as the service reads it: cut at MAX_BODY, control characters dropped."""
    return body[:MAX_BODY].translate(_CONTROLS)


class OptOutType(StrEnum):
    """What Twilio's Advanced Opt-Out recognised (and has already answered)."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


@dataclass(frozen=True)
class Inbound:
    """One incoming text."""

    sid: str
    sender: str
    body: str = ""
    media: int = 0
    opt_out_type: OptOutType | None = None  # Twilio Advanced Opt-Out


@dataclass(frozen=True)
class StatusReport:
    """One status callback for a message we sent."""

    sid: str
    to: str
    status: str  # Twilio's MessageStatus, lower case: delivered, failed, undelivered ...
    error_code: str | None = None
