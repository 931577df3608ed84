"""A reply in channel-neutral parts; `render` turns it into SMS text or SSML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crampvoice.content import Text
from crampvoice.intents import Intent
from crampvoice.state import State
from crampvoice.triage import Level

#: Something the adapter must do besides replying.
Action = Literal["opt_out", "opt_in", "erase"]


@dataclass(frozen=True)
class Part:
    text: Text
    hold: int = 0  # seconds to hold after this part; a speaker counts it out
    optional: bool = False  # may be left out of an SMS that would go over its budget
    shorter: Text | None = None  # an optional part's SMS said in fewer words, when that fits


@dataclass(frozen=True)
class Escalation:
    level: Level
    emergency_number: str  # digits to call, or "" where the region is unknown
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    intent: Intent
    topic: str | None
    triage: Level
    locale: str
    parts: tuple[Part, ...]
    state: State
    prompt: Text | None = None  # what to say next; spoken last and used as the reprompt
    say_prompt: bool = True  # False when the answer already ends by inviting the next turn
    end_session: bool = False
    escalation: Escalation | None = None
    action: Action | None = None
    sources: tuple[str, ...] = field(default=())
    say_as_digits: tuple[str, ...] = ()  # phone numbers a speaker reads digit by digit
    hold_done: str = ""  # spoken when a counted hold ends
