"""Conversation state: plain data an adapter keeps between turns.

It round-trips through JSON (an Alexa session attribute, a database row), and a
damaged or foreign value reads back as a fresh conversation rather than an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from crampvoice.intents import GUIDES

#: Follow-up questions the core (or an adapter) may be waiting on. "bedtime_zone": the SMS
#: service asked which time zone a bedtime prompt is for, and keeps the time in `bedtime`.
PENDING = ("leg_check", "delete_confirm", "bedtime_zone")
#: The triage's safety questions ("swelling_check", ... in shared/triage [[doubt]] ask):
#: kept too, so a YES on the next turn escalates, whatever channel stored the state.
_SAFETY_QUESTION = re.compile(r"^[a-z]{1,24}_check$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class State:
    guide: str | None = None  # the routine being walked through ("relief", "bedtime")
    step: int = 0  # the index of the step last given
    pending: str | None = None  # the follow-up question last asked
    topic: str | None = None  # the topic last answered, for "repeat"
    bedtime: str | None = None  # "21:30": a bedtime asked for while its zone is asked

    def to_dict(self) -> dict[str, Any]:
        # Every field is a str or an int: no deep copy needed (dataclasses.asdict makes one).
        found = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {key: value for key, value in found if value not in (None, 0)}

    @classmethod
    def from_dict(cls, data: object) -> State:
        if not isinstance(data, dict):
            return cls()
        guide = data.get("guide")
        step = data.get("step", 0)
        pending = data.get("pending")
        topic = data.get("topic")
        bedtime = data.get("bedtime")
        return cls(
            guide=guide if guide in GUIDES else None,
            step=step if isinstance(step, int) and 0 <= step < 100 else 0,
            pending=pending
            if pending in PENDING or (isinstance(pending, str) and _SAFETY_QUESTION.match(pending))
            else None,
            topic=topic if isinstance(topic, str) and len(topic) < 64 else None,
            bedtime=bedtime if isinstance(bedtime, str) and _CLOCK.match(bedtime) else None,
        )
