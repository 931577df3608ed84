"""Rendering a `Reply` for a channel: SMS text within its budget, or SSML for a speaker."""

from __future__ import annotations

import re

from crampvoice import gsm
from crampvoice.content import SMS_ONE_SEGMENT, SMS_TWO_SEGMENTS
from crampvoice.intents import Intent
from crampvoice.reply import Reply

#: Alexa's longest break; longer holds are chained and counted out loud.
MAX_BREAK_SECONDS = 10
COUNT_EVERY_SECONDS = 5
OUTPUT_SPEECH_LIMIT = 8000


class BudgetError(ValueError):
    """An outgoing text that would break the SMS rules (never sent)."""


def sms_budget(reply: Reply) -> int:
    """Relief and emergencies must arrive as one message; anything else within two."""
    if reply.intent is Intent.RELIEF_NOW and reply.state.guide == "relief":
        return SMS_ONE_SEGMENT
    if reply.escalation is not None:
        return SMS_ONE_SEGMENT if reply.escalation.level.value == "emergency" else SMS_TWO_SEGMENTS
    return SMS_TWO_SEGMENTS


def check_sms(text: str, budget: int = SMS_TWO_SEGMENTS) -> str:
    """The gate every outgoing SMS passes: GSM-7 and within budget, or BudgetError."""
    bad = gsm.non_gsm_characters(text)
    if bad:
        raise BudgetError(f"SMS is not GSM-7: {bad!r}")
    if gsm.septets(text) > budget:
        raise BudgetError(f"SMS is {gsm.septets(text)} characters; the budget is {budget}")
    return text


def sms(reply: Reply) -> str:
    """The SMS text: required parts always, optional parts (in their place) where they fit
    beside every required part, then the prompt where it fits."""
    budget = sms_budget(reply)
    parts = [part for part in reply.parts if part.text.sms]  # not the voice-only parts
    required = [part.text.sms for part in parts if not part.optional]
    if required and gsm.septets(" ".join(required)) > budget and len(required) > 1:
        raise BudgetError(f"required parts do not fit the SMS budget of {budget}")
    chosen: list[str] = []
    for index, part in enumerate(parts):
        if not part.optional:
            chosen.append(part.text.sms)
            continue
        later = [p.text.sms for p in parts[index + 1 :] if not p.optional]
        forms = [part.text.sms] + ([part.shorter.sms] if part.shorter else [])
        fits = [f for f in forms if gsm.septets(" ".join([*chosen, f, *later])) <= budget]
        if fits:
            chosen.append(fits[0])
    if _prompt_adds(reply) and reply.prompt is not None:
        candidate = " ".join([*chosen, reply.prompt.sms])
        if gsm.septets(candidate) <= budget:
            chosen.append(reply.prompt.sms)
    return check_sms(" ".join(chosen), budget)


def _prompt_adds(reply: Reply) -> bool:
    """Whether the prompt is said at the end (not when the session ends or it was just said)."""
    if reply.prompt is None or reply.end_session or not reply.say_prompt:
        return False
    return not reply.parts or reply.parts[-1].text != reply.prompt


def plain_voice(reply: Reply) -> str:
    """What the speaker says, as plain text (for logs, cards and `--json`)."""
    words = [part.text.voice for part in reply.parts if part.text.voice]
    if _prompt_adds(reply) and reply.prompt is not None:
        words.append(reply.prompt.voice)
    return " ".join(words)


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    """Text made safe inside SSML (`speak()` does no escaping of its own)."""
    return text.translate(_XML_ESCAPES)


def _speak_text(text: str, digits: tuple[str, ...]) -> str:
    escaped = escape(text)
    for number in sorted(digits, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\d>]){re.escape(number)}(?!\d)")
        escaped = pattern.sub(f'<say-as interpret-as="telephone">{number}</say-as>', escaped)
    return escaped


def hold_ssml(seconds: int, done: str) -> str:
    """A timed hold, counted out every few seconds with breaks of at most ten seconds."""
    if seconds <= 0:
        return ""
    pieces: list[str] = []
    counted = 0
    while counted < seconds:
        step = min(COUNT_EVERY_SECONDS, seconds - counted, MAX_BREAK_SECONDS)
        counted += step
        pieces.append(f'<break time="{step}s"/>')
        pieces.append(f"{counted}." if counted < seconds or not done else escape(done))
    return " ".join(pieces)


def ssml(reply: Reply) -> str:
    """The whole `<speak>` document for the reply, escaped and with holds counted out."""
    body: list[str] = []
    for part in reply.parts:
        if part.text.voice:
            body.append(_speak_text(part.text.voice, reply.say_as_digits))
        if part.hold:
            body.append(hold_ssml(part.hold, reply.hold_done))
    if _prompt_adds(reply) and reply.prompt is not None:
        body.append(_speak_text(reply.prompt.voice, reply.say_as_digits))
    return "<speak>" + " ".join(b for b in body if b) + "</speak>"


def reprompt_ssml(reply: Reply) -> str | None:
    """The reprompt for an open question; None when the session ends."""
    if reply.end_session or reply.prompt is None:
        return None
    return "<speak>" + _speak_text(reply.prompt.voice, reply.say_as_digits) + "</speak>"


# ------------------------------------------------------------------ a phone call
#: A phone call's pauses: counted out every few seconds like a speaker's holds.
MAX_PAUSE_SECONDS = 10

#: What a phone says, in order: words (str) and silent pauses in seconds (int).
Spoken = tuple[str | int, ...]


def _call_words(text: str, digits: tuple[str, ...]) -> str:
    """Words for a phone's text-to-speech: numbers to call read digit by digit ("9 1 1")."""
    for number in sorted(digits, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\d){re.escape(number)}(?!\d)")
        text = pattern.sub(" ".join(number.replace(" ", "")), text)
    return text


def hold_spoken(seconds: int, done: str) -> list[str | int]:
    """A timed hold on a call: pauses of at most ten seconds, counted out loud."""
    pieces: list[str | int] = []
    counted = 0
    while counted < seconds:
        step = min(COUNT_EVERY_SECONDS, seconds - counted, MAX_PAUSE_SECONDS)
        counted += step
        pieces.append(step)
        pieces.append(f"{counted}." if counted < seconds or not done else done)
    return pieces


def spoken(reply: Reply) -> Spoken:
    """The reply as a phone says it: the same voice text a speaker says (no SSML), holds
    as counted pauses, the prompt last (the same rule as `ssml`)."""
    out: list[str | int] = []
    for part in reply.parts:
        if part.text.voice:
            out.append(_call_words(part.text.voice, reply.say_as_digits))
        if part.hold:
            out.extend(hold_spoken(part.hold, reply.hold_done))
    if _prompt_adds(reply) and reply.prompt is not None:
        out.append(_call_words(reply.prompt.voice, reply.say_as_digits))
    return tuple(out)
