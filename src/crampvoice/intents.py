"""The intent catalog: what a person can want, by name.

The names are a public contract (`crampvoice ask --json`, the Alexa interaction
model, analytics). Add intents; never change what an existing one means.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    # Answers: each has at least one topic of advice content.
    RELIEF_NOW = "relief_now"
    PREVENTION = "prevention"
    CAUSES = "causes"
    SUPPLEMENTS = "supplements"
    MEDICINE = "medicine"
    DURATION = "duration"
    ABOUT = "about"
    WHEN_TO_GET_HELP = "when_to_get_help"
    BEDTIME = "bedtime"
    NOT_LEG_CRAMP = "not_leg_cramp"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    # Subscription control.
    STOP = "stop"
    START = "start"
    # A nightly bedtime reminder on a speaker (the Alexa skill sets and deletes it).
    REMINDER_SET = "reminder_set"
    REMINDER_CANCEL = "reminder_cancel"
    # Conversation control.
    NEXT = "next"
    REPEAT = "repeat"
    PREVIOUS = "previous"
    YES = "yes"
    NO = "no"
    FALLBACK = "fallback"
    # Privacy: erase everything stored about this person (asks to confirm first).
    DELETE = "delete"


#: Intents that move through a conversation rather than ask for advice.
CONTROL_INTENTS = frozenset(
    {
        Intent.NEXT,
        Intent.REPEAT,
        Intent.PREVIOUS,
        Intent.YES,
        Intent.NO,
        Intent.FALLBACK,
        Intent.DELETE,
    }
)

#: Intents answered from a topic of advice content (every one needs a default topic).
ANSWER_INTENTS = frozenset(set(Intent) - CONTROL_INTENTS)

#: The guided routines the core can walk a person through.
GUIDES = ("relief", "bedtime")
