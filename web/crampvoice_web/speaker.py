"""The simulator's smart speaker: words in, the skill's answer out, as on an Echo.

What Alexa does with the words (the interaction model's intents and slots, entity
resolution, the request envelope) is the one fake Alexa, `crampvoice_skill.fake`, which
the skill's tests use too. The envelope goes to the skill's own entry point
(`Skill.handle_json`), in-process: what the speaker says is what an Echo would be told
to say. This module keeps what only a browser needs: the session kept between turns,
the input checked, and `speech()`, which turns the SSML back into words and pauses for
the browser's speech synthesis.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crampvoice_skill import fake
from crampvoice_skill.fake import Device, Routed, Session

__all__ = ["BadInput", "Device", "Heard", "Routed", "Session", "converse", "envelope",
           "plain", "route", "speech"]

MAX_UTTERANCE = 300
MAX_ATTRIBUTES = 4096
SESSION_ID = re.compile(r"amzn1\.echo-api\.session\.[0-9a-f-]{36}")
SIMULATOR_SKILL_ID = fake.SIMULATOR_SKILL_ID


class BadInput(ValueError):
    """A simulator request that no speaker would send (refused with 400)."""


def route(words: str, invocation: str, in_session: bool, locale: str = "en-US") -> Routed:
    """What Alexa sends for words said to the speaker (`fake.route`)."""
    try:
        return fake.route(words, invocation, in_session, locale)
    except ValueError as error:
        raise BadInput(str(error)) from None


def device(locale: object, screen: bool, user_id: str, device_id: str, skill_id: str) -> Device:
    if not isinstance(locale, str) or locale not in fake.LOCALES:
        raise BadInput(f"locale must be one of {', '.join(fake.LOCALES)}")
    return Device(locale, screen, user_id, device_id, skill_id)


def session_from_json(data: object) -> Session:
    """The session the browser kept, checked: an Alexa session id and small attributes."""
    if data is None:
        return Session()
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
    return Session(session_id, attributes)


def envelope(routed: Routed, device: Device, session: Session) -> dict[str, Any]:
    """The envelope Alexa would send; a new session when none is open (or for a launch
    or a one-shot question)."""
    new = not session.open or routed.kind == "launch" or routed.one_shot
    return fake.envelope(fake.routed_request(routed, device), device, session, new=new)


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
    def from_json(cls, data: Mapping[str, Any], program: str, locale: str = "en-US") -> Heard:
        session = session_from_json(data.get("session"))
        said = data.get("say")
        if data.get("launch") is True:
            return cls(Routed("launch"), session)
        if data.get("end") is True:
            return cls(Routed("end"), session)
        if isinstance(said, str) and 0 < len(said) <= MAX_UTTERANCE:
            return cls(route(said, program, session.open, locale), session)
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
