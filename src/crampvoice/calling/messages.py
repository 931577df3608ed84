"""What a phone call brings, as the core's plain values (no web framework, no Twilio)."""

from __future__ import annotations

from dataclasses import dataclass

#: Call statuses after which the call is over (its conversation state is deleted).
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class Heard:
    """One request of a call: what the caller said or pressed (both may be empty)."""

    sid: str  # the call's id (Twilio's CallSid): the conversation's key
    caller: str  # the number calling, as given ("+447700900123", "anonymous")
    speech: str = ""
    digits: str = ""
    dial_status: str | None = None  # set when a connected call to the advice line ended


@dataclass(frozen=True)
class CallStatus:
    sid: str
    caller: str
    status: str

    @property
    def ended(self) -> bool:
        return self.status in ENDED
