"""The call rules, as a pure function: given what a caller said or pressed and where the
call stands, what to say, and whether to listen, hang up, or connect to the advice line.

- Triage first: speech goes to the core before anything else, so a red flag said at any
  point of the call leads the reply (with its reason), whatever was being asked. An
  emergency ends with "hang up and call <number> now" and the call hangs up; the service
  never dials an emergency number. An urgent reply offers the operator's maternity or
  advice line (`CRAMPVOICE_MATERNITY_LINE`) when one is set, else says to hang up and call.
- The keypad works when speech does not: 1 relief steps, 2 prevention, 3 bedtime tips,
  9 danger signs; in the steps 6 next, 5 repeat, 4 back; 1 and 2 answer yes and no; 7
  texts the steps (after a confirmation); 0 the menu.
- Silence twice ends the call politely, with the safety line.
- The steps by text are an explicit opt-in: 7, then 1 (or "yes") to confirm; what is sent
  is the SMS service's own texts, through the same gate (a stopped number gets nothing).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from crampvoice import gsm
from crampvoice.calling.messages import Heard
from crampvoice.content import SMS_TWO_SEGMENTS, Text, content_dir, read_toml
from crampvoice.engine import ROUTINES, Core
from crampvoice.intents import GUIDES, Intent
from crampvoice.replies import system_reply
from crampvoice.reply import Part, Reply
from crampvoice.state import State
from crampvoice.triage import Level

KEYS: dict[str, Intent] = {
    "1": Intent.RELIEF_NOW,
    "2": Intent.PREVENTION,
    "3": Intent.BEDTIME,
    "9": Intent.WHEN_TO_GET_HELP,
    "6": Intent.NEXT,
    "5": Intent.REPEAT,
    "4": Intent.PREVIOUS,
}
YES_KEY, NO_KEY, TEXT_KEY, MENU_KEY = "1", "2", "7", "0"
MAX_MISSES = 2
MAX_SPEECH = 500
_CONNECT = re.compile(r"\b(connect|put me through|transfer)\b", re.IGNORECASE)
#: What a caller may say to end the call: the core's goodbye answers.
_ENDING = frozenset({Intent.NO, Intent.THANKS, Intent.STOP})

Then = Literal["listen", "hang_up", "dial"]
Offer = Literal["text", "connect"]


@dataclass(frozen=True)
class CallState:
    """Where a call stands: the core's conversation, silences in a row, an open offer."""

    core: State = field(default_factory=State)
    misses: int = 0
    offer: Offer | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"core": self.core.to_dict()}
        if self.misses:
            data["misses"] = self.misses
        if self.offer:
            data["offer"] = self.offer
        return data

    @classmethod
    def from_dict(cls, data: object) -> CallState:
        if not isinstance(data, dict):
            return cls()
        misses = data.get("misses", 0)
        offer = data.get("offer")
        return cls(
            core=State.from_dict(data.get("core")),
            misses=misses if isinstance(misses, int) and 0 <= misses < MAX_MISSES else 0,
            offer=offer if offer in ("text", "connect") else None,
        )


@dataclass(frozen=True)
class CallTurn:
    """What to say (a `Reply`, rendered by `render.spoken`), then what to do."""

    reply: Reply
    state: CallState
    then: Then = "listen"
    send_steps: str | None = None  # the guide to text the caller (confirmed just now)
    erase: bool = False  # the caller confirmed DELETE: erase what is stored about them

    @property
    def triage(self) -> Level:
        return self.reply.triage


@dataclass(frozen=True)
class Situation:
    locale: str
    can_dial: bool  # a maternity or advice line is configured
    can_text: bool  # the caller's number can get a text


def decide(core: Core, heard: Heard, state: CallState | None, situation: Situation) -> CallTurn:
    if state is None:
        return _listen(core, situation, ["call_welcome"], CallState(), prompt="call_menu")
    if heard.dial_status is not None:
        return _end(core, situation, ["call_after_dial"], state)
    speech = " ".join(heard.speech.split())[:MAX_SPEECH]
    key = heard.digits.strip()[:1]
    if not speech and not key:
        if state.misses + 1 >= MAX_MISSES:
            return _end(core, situation, ["call_goodbye"], state)
        missed = dataclasses.replace(state, misses=state.misses + 1)
        return _listen(core, situation, ["call_no_input"], missed, prompt="call_menu")
    state = dataclasses.replace(state, misses=0)
    if speech:
        reply = core.respond(speech, state=state.core, locale=situation.locale)
        if reply.escalation is not None:  # triage first, whatever was being asked
            return _escalate(core, reply, situation)
        said = core.understand(speech).intent
        if state.offer == "connect" and (said is Intent.YES or _CONNECT.search(speech)):
            return _dial(core, situation, state)
        if state.offer == "text" and said in (Intent.YES, Intent.NO):
            return _texting(core, situation, state, said is Intent.YES)
        if said is Intent.FALLBACK and re.search(r"\btext\b", speech, re.IGNORECASE):
            return _offer_text(core, situation, state)
        return _answered(core, reply, situation, state)
    return _pressed(core, key, state, situation)


def _pressed(core: Core, key: str, state: CallState, situation: Situation) -> CallTurn:
    if state.offer == "connect" and key == YES_KEY:
        return _dial(core, situation, state)
    if state.offer == "text" and key in (YES_KEY, NO_KEY):
        return _texting(core, situation, state, key == YES_KEY)
    if key == TEXT_KEY:
        return _offer_text(core, situation, state)
    if key == MENU_KEY:
        return _listen(core, situation, ["call_menu"], _plain(state))
    intent = KEYS.get(key, Intent.FALLBACK)
    if state.core.pending and key in (YES_KEY, NO_KEY):  # a yes-or-no question is open
        intent = Intent.YES if key == YES_KEY else Intent.NO
    reply = core.respond(None, state=state.core, locale=situation.locale, intent=intent)
    return _answered(core, reply, situation, state)


def _answered(core: Core, reply: Reply, situation: Situation, state: CallState) -> CallTurn:
    """The core's answer, with what a phone adds: the keys to press, the steps by text."""
    if reply.escalation is not None:  # a YES to a safety question
        return _escalate(core, reply, situation)
    following = CallState(core=reply.state)
    if reply.end_session and reply.intent in _ENDING:
        return CallTurn(reply, following, "hang_up")
    extra: list[str] = []
    if reply.state.guide:
        extra.append("call_step_keys")
    elif reply.state.pending:
        extra.append("call_keys_yes_no")
    else:
        if _guide_done(reply) and situation.can_text:
            extra.append("call_text_hint")
        extra.append("call_menu")
    erase = reply.action == "erase"
    turn = _with(core, situation, reply, extra, following, keep_prompt=not reply.end_session)
    return dataclasses.replace(turn, erase=erase)


def _guide_done(reply: Reply) -> bool:
    topic = reply.state.topic or ""
    return not reply.state.guide and (topic in GUIDES or topic in ROUTINES)


def _escalate(core: Core, reply: Reply, situation: Situation) -> CallTurn:
    """The core's escalation leads (who to call and why), then what to do on a phone."""
    assert reply.escalation is not None
    if reply.escalation.level is Level.URGENT and situation.can_dial:
        offer = CallState(offer="connect")
        return _with(core, situation, reply, ["call_connect_offer"], offer, keep_prompt=False)
    hang_up = "call_hang_up" if reply.escalation.level is Level.EMERGENCY else "call_hang_up_urgent"
    turn = _with(core, situation, reply, [hang_up, hang_up], CallState(), keep_prompt=False)
    return dataclasses.replace(turn, then="hang_up")


def _dial(core: Core, situation: Situation, state: CallState) -> CallTurn:
    reply = _system(core, situation, ["call_connecting"], triage=Level.URGENT)
    return CallTurn(reply, _plain(state), "dial")


def _offer_text(core: Core, situation: Situation, state: CallState) -> CallTurn:
    if not situation.can_text:
        return _listen(core, situation, ["call_text_unavailable"], _plain(state), "call_menu")
    return _listen(core, situation, ["call_text_offer"], dataclasses.replace(state, offer="text"))


def _texting(core: Core, situation: Situation, state: CallState, yes: bool) -> CallTurn:
    if not yes:
        return _listen(core, situation, ["call_text_cancelled"], _plain(state), "call_menu")
    turn = _listen(core, situation, ["call_text_sent"], _plain(state), "call_menu")
    return dataclasses.replace(turn, send_steps=steps_guide(state.core))


def texted(core: Core, situation: Situation, turn: CallTurn, delivered: bool) -> CallTurn:
    """The turn once the steps were handed to the sender: blocked (a stopped number) says so."""
    if delivered:
        return turn
    return _listen(core, situation, ["call_text_blocked"], turn.state, "call_menu")


def steps_guide(state: State) -> str:
    """The steps a caller asks to get by text: the guide in progress or just finished."""
    for key in (state.guide, state.topic, ROUTINES.get(state.topic or "")):
        if key in GUIDES:
            return key
    return "relief"


def steps_texts(core: Core, locale: str, guide_key: str) -> list[str]:
    """The texts of a guide, for a caller who asked: the one-time confirmation first (what
    it is, rates, STOP and HELP), then the steps, packed into texts of two segments."""
    content = core.content.get(locale)
    guide = content.guides[guide_key]
    pieces = [content.system["call_text_intro"].sms, guide.intro.sms]
    pieces += [step.text.sms for step in guide.steps]
    texts: list[str] = []
    for piece in pieces:
        if texts and gsm.septets(texts[-1] + " " + piece) <= SMS_TWO_SEGMENTS:
            texts[-1] += " " + piece
        else:
            texts.append(piece)
    return texts


#: The commands a caller is likely to say, whose phrasings become the recognizer's hints.
HINTED = ("relief_now", "next", "repeat", "previous", "yes", "no", "prevention", "bedtime",
          "when_to_get_help", "causes", "help")
#: What the call itself listens for (the steps by text, the maternity line).
CALL_HINTS = ("text me the steps", "connect me")


@functools.cache
def hints(language: str = "en") -> str:
    """Twilio's `hints`: the phrasings' short commands (shared/phrasings), comma-separated,
    each at most 100 characters, in the words people say (not reduced to base forms)."""
    raw = read_toml(content_dir() / "phrasings" / f"{language}.toml").get("commands", {})
    words = [w for intent in HINTED for w in raw.get(intent, []) if len(w) > 2]
    return ", ".join(dict.fromkeys([*words, *CALL_HINTS]))


# ------------------------------------------------------------------ building replies


def _plain(state: CallState) -> CallState:
    return dataclasses.replace(state, offer=None)


def _system(core: Core, situation: Situation, keys: list[str], *, triage: Level) -> Reply:
    content = core.content.get(situation.locale)
    base = system_reply(core, situation.locale, keys[0], triage=triage)
    parts = tuple(Part(content.system[k]) for k in keys)
    return dataclasses.replace(base, parts=parts, prompt=None)


def _listen(
    core: Core, situation: Situation, keys: list[str], state: CallState, prompt: str | None = None
) -> CallTurn:
    reply = _system(core, situation, keys + ([prompt] if prompt else []), triage=Level.NONE)
    return CallTurn(dataclasses.replace(reply, end_session=False, state=state.core), state)


def _end(core: Core, situation: Situation, keys: list[str], state: CallState) -> CallTurn:
    return CallTurn(_system(core, situation, keys, triage=Level.NONE), state, "hang_up")


def _with(
    core: Core,
    situation: Situation,
    reply: Reply,
    keys: list[str],
    state: CallState,
    *,
    keep_prompt: bool,
) -> CallTurn:
    """The core's reply (its triage, intent and reasons kept) with call texts after it."""
    content = core.content.get(situation.locale)
    parts = list(reply.parts)
    prompt = reply.prompt if keep_prompt and reply.say_prompt else None
    if prompt is not None and (not parts or parts[-1].text != prompt):
        parts.append(Part(prompt))
    parts += [Part(_voice_only(content.system[k])) for k in keys]
    said = dataclasses.replace(reply, parts=tuple(parts), prompt=None, end_session=False)
    return CallTurn(said, state)


def _voice_only(text: Text) -> Text:
    return Text(voice=text.voice, sms="")
