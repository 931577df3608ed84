"""The simulator's smart speaker: request envelopes built as Alexa builds them.

Alexa turns speech into an intent with the skill's interaction model, then sends a
JSON envelope (context.System, the session and its attributes, the request). This
module does the same from typed or recognised words:

1. "open cramp coach" is a LaunchRequest; "ask cramp coach <words>" starts a session
   with <words>; "exit" ends the session (SessionEndedRequest).
2. Alexa's built-in intents answer to Amazon's own utterances ("next", "yes", ...).
3. Otherwise the words are matched against the model's samples (the catalog the
   interaction model is generated from): a sample without slots matches exactly; a
   sample with slots captures them, and custom slot values resolve against the
   model's slot types as Alexa's entity resolution does. Failing a sample whose slots
   resolve, words very close to a sample without slots take its intent (Alexa's
   matching is not exact either). `{symptom}` alone matches any words, so the rest
   reaches DescribeSymptomIntent, where the core classifies and triages what was said.

The envelope goes to the skill's own handlers (`Skill.handle_json`), in-process: what
the speaker says is what an Echo would be told to say. `speech()` turns the SSML back
into words and pauses for the browser's speech synthesis.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crampvoice import bedtime
from crampvoice_skill.catalog import (
    LOCALES,
    NAVIGATE_HOME,
    VALUE_SLOT_TYPES,
    alexa_sample,
    catalog,
    slot_type_name,
)

#: Amazon's own utterances for the built-in intents (not in the skill's model: Alexa
#: brings them), the ones a person would say to this skill.
BUILT_IN_UTTERANCES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.NextIntent": (
        "next",
        "next one",
        "next step",
        "skip",
        "go on",
        "continue",
        "keep going",
        "carry on",
    ),
    "AMAZON.PreviousIntent": (
        "previous",
        "back",
        "go back",
        "previous step",
        "last step",
        "the one before",
    ),
    "AMAZON.RepeatIntent": (
        "repeat",
        "repeat that",
        "say that again",
        "again",
        "come again",
        "what did you say",
        "pardon",
    ),
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "yes please", "sure", "ok", "okay", "please do"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you", "not really"),
    "AMAZON.HelpIntent": ("help", "help me", "what can i say"),
    "AMAZON.StopIntent": ("stop", "shut up", "be quiet", "off", "that's all", "i'm done"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    NAVIGATE_HOME: ("go home", "home"),
}
#: Words that make Alexa close the skill (a SessionEndedRequest, nothing said).
EXIT_WORDS = frozenset({"exit", "quit", "alexa exit", "alexa quit"})
#: A slot value that names one of its type's values outweighs any sample's wording.
RESOLVED = 1000
#: How alike words must be to a sample without slots to take its intent (difflib ratio).
CLOSE_ENOUGH = 0.86
MAX_UTTERANCE = 300
MAX_ATTRIBUTES = 4096
APL_INTERFACE = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.2"}}}
VIEWPORT = {
    "experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False}],
    "mode": "HUB",
    "shape": "RECTANGLE",
    "pixelWidth": 1024,
    "pixelHeight": 600,
    "dpi": 160,
    "currentPixelWidth": 1024,
    "currentPixelHeight": 600,
    "touch": ["SINGLE"],
}
SESSION_ID = re.compile(r"amzn1\.echo-api\.session\.[0-9a-f-]{36}")
API_ENDPOINT = "https://api.amazonalexa.com"
SIMULATOR_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


class BadInput(ValueError):
    """A simulator request that no speaker would send (refused with 400)."""


# --------------------------------------------------------------------------- words -> intent


def normalise(text: str) -> str:
    """Words as Alexa hears them: lower case, acronyms spelled, no punctuation."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = alexa_sample(text).lower().replace(".", " ")
    return " ".join(re.sub(r"[^\w\s'{}]", " ", text).split())


@dataclass(frozen=True)
class Routed:
    """What Alexa would send for some words."""

    kind: str  # "launch", "intent", "end"
    intent: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)
    one_shot: bool = False  # "ask cramp coach ...": a new session opened with an intent

    def describe(self) -> dict[str, Any]:
        kinds = {"launch": "LaunchRequest", "intent": "IntentRequest", "end": "SessionEndedRequest"}
        return {"type": kinds[self.kind], "intent": self.intent, "slots": dict(self.slots)}


@dataclass(frozen=True)
class _Sample:
    intent: str
    pattern: re.Pattern[str]
    literal: int  # characters outside slots: the more, the more specific
    slots: tuple[str, ...]


@functools.cache
def _samples() -> tuple[dict[str, str], tuple[_Sample, ...]]:
    """Exact utterances -> intent, and the samples with slots as patterns."""
    exact: dict[str, str] = {}
    patterns: list[_Sample] = []
    for intent, utterances in BUILT_IN_UTTERANCES.items():
        for utterance in utterances:
            exact.setdefault(normalise(utterance), intent)
    for intent, samples in catalog().samples.items():
        for sample in samples:
            words = normalise(sample)
            slots = tuple(re.findall(r"\{(\w+)\}", words))
            if not slots:
                exact.setdefault(words, intent)
                continue
            regex = ""
            for piece in re.split(r"(\{\w+\})", words):
                name = piece[1:-1] if piece.startswith("{") else None
                regex += f"(?P<{name}>.+?)" if name else re.escape(piece)
            literal = len(re.sub(r"\{\w+\}", "", words).strip())
            patterns.append(_Sample(intent, re.compile(regex), literal, slots))
    return exact, tuple(patterns)


def resolve(slot: str, value: str) -> str | None:
    """The slot type's value that `value` (or one of its synonyms) names, or None."""
    slot_type = catalog().slot_types.get(slot)
    if slot_type is None:
        return None
    spoken = normalise(value)
    for name, synonyms in slot_type.values:
        if spoken in {normalise(name), *(normalise(s) for s in synonyms)}:
            return str(name)
    return None


def _understood(slot: str, value: str) -> bool:
    """Whether Alexa would make sense of a slot's words: a value of its custom type, or
    (the reminder's time) a time of day."""
    if slot in VALUE_SLOT_TYPES:
        return bedtime.read_time(value) is not None
    return resolve(slot, value) is not None


def match_intent(words: str) -> Routed:
    """The intent and slots Alexa's model gives these words, inside a session."""
    heard = normalise(words)
    exact, patterns = _samples()
    if heard in exact:
        intent = exact[heard]
        return Routed("launch") if intent == NAVIGATE_HOME else Routed("intent", intent)
    best: tuple[int, _Sample, dict[str, str]] | None = None
    for sample in patterns:
        found = sample.pattern.fullmatch(heard)
        if found is None:
            continue
        slots = {name: found.group(name).strip() for name in sample.slots}
        resolved = sum(1 for name, value in slots.items() if _understood(name, value))
        score = sample.literal + RESOLVED * resolved
        if best is None or score > best[0]:
            best = (score, sample, slots)
    resolved_match = best is not None and best[0] >= RESOLVED
    if not resolved_match:
        close = difflib.get_close_matches(heard, list(exact), n=1, cutoff=CLOSE_ENOUGH)
        if close:
            intent = exact[close[0]]
            return Routed("launch") if intent == NAVIGATE_HOME else Routed("intent", intent)
    if best is None:
        return Routed("intent", "AMAZON.FallbackIntent")
    _, sample, slots = best
    return Routed("intent", sample.intent, slots)


def route(words: str, invocation: str, in_session: bool) -> Routed:
    """What Alexa sends for words said to the speaker: opening the skill, a one-shot
    question ("ask <invocation> ..."), a turn of the open session, or an exit."""
    heard = normalise(words)
    if heard.startswith("alexa "):
        heard = heard[len("alexa ") :]
    name = re.escape(normalise(invocation))
    if not heard:
        raise BadInput("nothing was said")
    if heard in EXIT_WORDS:
        return Routed("end")
    if re.fullmatch(rf"(?:open|launch|start|begin|talk to|use) {name}", heard):
        return Routed("launch")
    one_shot = re.fullmatch(
        rf"(?:ask|tell|open|launch|start|use) {name}(?: (?:to|about|for|if|whether|that|and))?"
        r" (?P<rest>.+)",
        heard,
    )
    if one_shot:
        return _one_shot(match_intent(one_shot.group("rest")))
    routed = match_intent(heard)
    if not in_session and routed.kind == "intent":
        return _one_shot(routed)  # no session open: as if said after "ask <invocation>"
    return routed


def _one_shot(routed: Routed) -> Routed:
    return Routed(routed.kind, routed.intent, routed.slots, one_shot=routed.kind == "intent")


# --------------------------------------------------------------------------- envelopes


@dataclass
class Session:
    """The speaker's open session, kept by the browser between turns as Alexa keeps it."""

    session_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> Session:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise BadInput("session must be an object")
        session_id = data.get("id") or ""
        attributes = data.get("attributes") or {}
        if not isinstance(session_id, str) or (session_id and not SESSION_ID.fullmatch(session_id)):
            raise BadInput("bad session id")
        if not isinstance(attributes, dict):
            raise BadInput("session attributes must be an object")
        if len(json.dumps(attributes)) > MAX_ATTRIBUTES:
            raise BadInput("session attributes too large")
        return cls(session_id, attributes)

    @property
    def open(self) -> bool:
        return bool(self.session_id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.session_id, "attributes": self.attributes}


def slot_json(name: str, value: str) -> dict[str, Any]:
    """A filled slot as Alexa sends it, with entity resolution for custom slot types."""
    slot: dict[str, Any] = {
        "name": name,
        "value": value,
        "confirmationStatus": "NONE",
        "source": "USER",
    }
    simple: dict[str, Any] = {"type": "Simple", "value": value}
    authority = f"amzn1.er-authority.echo-sdk.{SIMULATOR_SKILL_ID}.{slot_type_name(name)}"
    resolved = resolve(name, value)
    resolution: dict[str, Any] = {
        "authority": authority,
        "status": {"code": "ER_SUCCESS_NO_MATCH"},
    }
    if resolved is not None:
        resolution = {
            "authority": authority,
            "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": resolved, "id": uuid.uuid4().hex}}],
        }
    slot["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    simple["resolutions"] = slot["resolutions"]
    slot["slotValue"] = simple
    return slot


@dataclass(frozen=True)
class Device:
    """The simulated Echo: its locale, whether it has a screen, its ids."""

    locale: str
    screen: bool
    user_id: str
    device_id: str
    skill_id: str = SIMULATOR_SKILL_ID

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise BadInput(f"locale must be one of {', '.join(LOCALES)}")


def request_json(routed: Routed, locale: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": locale,
    }
    if routed.kind == "launch":
        request["type"] = "LaunchRequest"
    elif routed.kind == "end":
        request.update(type="SessionEndedRequest", reason="USER_INITIATED")
    else:
        intent: dict[str, Any] = {"name": routed.intent, "confirmationStatus": "NONE"}
        if routed.slots:
            intent["slots"] = {name: slot_json(name, v) for name, v in routed.slots.items()}
        request.update(type="IntentRequest", dialogState="COMPLETED", intent=intent)
    return request


def envelope(routed: Routed, device: Device, session: Session) -> dict[str, Any]:
    """The request envelope Alexa would send; a new session when none is open (or for a
    launch or a one-shot question)."""
    new = not session.open or routed.kind == "launch" or routed.one_shot
    if new:
        session.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        session.attributes = {}
    application = {"applicationId": device.skill_id}
    user = {"userId": device.user_id}
    system: dict[str, Any] = {
        "application": application,
        "user": user,
        "device": {
            "deviceId": device.device_id,
            "supportedInterfaces": dict(APL_INTERFACE) if device.screen else {},
        },
        "apiEndpoint": API_ENDPOINT,
        "apiAccessToken": "simulator",
    }
    context: dict[str, Any] = {"System": system}
    if device.screen:
        context["Viewport"] = VIEWPORT
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session.session_id,
            "application": application,
            "attributes": session.attributes,
            "user": user,
        },
        "context": context,
        "request": request_json(routed, device.locale),
    }


# --------------------------------------------------------------------------- what is said


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", value.strip())
    if not match:
        return 0.0
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?)])")


def tidy(text: str) -> str:
    """Words as a person writes them: single spaces, none before punctuation."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))


def speech(ssml: str | None) -> list[dict[str, Any]]:
    """SSML as what a browser can say and show: [{"say": words to synthesise, "text":
    the same words as written, "pause": seconds after}, ...]. Breaks become pauses;
    telephone numbers are said digit by digit ("9 1 1") but shown as written ("911"),
    and no space is left before punctuation ("call 911.", never "call 9 1 1 .")."""
    if not ssml:
        return []
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError:
        words = tidy(re.sub(r"<[^>]+>", " ", ssml))
        return [{"say": words, "text": words, "pause": 0.0}]
    segments: list[dict[str, Any]] = []
    said: list[str] = []
    shown: list[str] = []

    def flush(pause: float) -> None:
        say, text = tidy("".join(said)), tidy("".join(shown))
        said.clear()
        shown.clear()
        if say:
            segments.append({"say": say, "text": text, "pause": pause})
        elif segments:
            segments[-1]["pause"] += pause
        elif pause:
            segments.append({"say": "", "text": "", "pause": pause})

    def walk(element: ET.Element) -> None:
        if element.tag == "break":
            flush(_seconds(element.get("time", "0s")))
        elif element.tag == "say-as" and element.get("interpret-as") == "telephone":
            number = "".join(ch for ch in (element.text or "") if not ch.isspace())
            said.append(" ".join(number))
            shown.append(number)
        else:
            said.append(element.text or "")
            shown.append(element.text or "")
            for child in element:
                walk(child)
                said.append(child.tail or "")
                shown.append(child.tail or "")

    walk(root)
    flush(0.0)
    return segments


def plain(ssml: str | None) -> str:
    """The words of some SSML, as text."""
    if not ssml:
        return ""
    try:
        return tidy("".join(ET.fromstring(ssml).itertext()))
    except ET.ParseError:
        return tidy(re.sub(r"<[^>]+>", " ", ssml))


def reply_json(result: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs from a response envelope: words, pauses, screen, card."""
    response = result.get("response") or {}
    ssml = (response.get("outputSpeech") or {}).get("ssml")
    reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
    screen = None
    asks_permission = False
    for directive in response.get("directives") or []:
        if directive.get("type") == "Alexa.Presentation.APL.RenderDocument":
            screen = (directive.get("datasources") or {}).get("screen")
        if directive.get("type") == "Connections.SendRequest":
            asks_permission = directive.get("name") == "AskFor"
    card = response.get("card")
    return {
        "ssml": ssml or "",
        "text": plain(ssml),
        "speech": speech(ssml),
        "reprompt": plain(reprompt) or None,
        "ended": bool(response.get("shouldEndSession", True)) if response else True,
        "screen": screen,
        "card": {"title": card.get("title", ""), "content": card.get("content", "")}
        if card and card.get("type") == "Simple"
        else None,
        "asks_permission": asks_permission,
    }


@dataclass(frozen=True)
class Heard:
    """One thing the simulated speaker heard: words, or opening / leaving the skill."""

    routed: Routed
    session: Session

    @classmethod
    def from_json(cls, data: Mapping[str, Any], program: str) -> Heard:
        session = Session.from_json(data.get("session"))
        said = data.get("say")
        if data.get("launch") is True:
            return cls(Routed("launch"), session)
        if data.get("end") is True:
            return cls(Routed("end"), session)
        if isinstance(said, str) and 0 < len(said) <= MAX_UTTERANCE:
            return cls(route(said, program, session.open), session)
        raise BadInput(f"say 1 to {MAX_UTTERANCE} characters, or launch, or end")


def converse(
    handle: Callable[[str], dict[str, Any]], heard: Heard, device: Device
) -> dict[str, Any]:
    """Send what was heard to the skill as Alexa would, and carry the session on."""
    routed, state = heard.routed, heard.session
    if routed.kind == "end" and not state.open:
        return {"routed": routed.describe(), "reply": None, "session": state.to_json()}
    request = envelope(routed, device, state)
    result = handle(json.dumps(request))
    reply = reply_json(result)
    if reply["ended"] or routed.kind == "end":
        state = Session()
    else:
        attributes = result.get("sessionAttributes")
        state.attributes = attributes if isinstance(attributes, dict) else {}
    return {
        "routed": {**routed.describe(), "new_session": request["session"]["new"]},
        "reply": reply,
        "session": state.to_json(),
    }
