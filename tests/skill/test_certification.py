"""The certification check: what Amazon's reviewers and tools try before a skill is published.

- every sample utterance of every locale's interaction model, built into a request
  envelope and run through the real Lambda handler: valid SSML within Alexa's limits, a
  reprompt whenever the session stays open, none when it ends, card text = speech;
- Amazon's functional tests as named cases (launch, help, stop, cancel, fallback,
  one-shot, session end);
- no utterance conflicts between intents (in the spirit of the ASK utterance-conflict
  API: samples expanded with every slot value and synonym, then compared after
  lowercasing, punctuation, contractions and articles);
- the prompts suggest only phrases that are samples;
- every request type answered, and envelopes with optional parts missing;
- APL only where the device reports it, at the version it reports, fitting each screen;
- `skill.json` in the shape ASK CLI v2 deploys, with its icons, privacy URLs and notices.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import logging
import re
import shutil
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crampvoice.content import library
from crampvoice_skill.catalog import LOCALES
from crampvoice_skill.commands import DEFAULT_BASE_URL, PRIVACY_PATH, TERMS_PATH, build_skill
from crampvoice_skill.handlers import Skill
from crampvoice_skill.speech import APL_VERSIONS

from .conftest import SKILL, Speaker, Turn, checked_in_model

Send = Callable[[dict[str, Any]], dict[str, Any]]
PACKAGE = SKILL / "skill-package"
MANIFEST = PACKAGE / "skill.json"
FALLBACK = "AMAZON.FallbackIntent"

#: Amazon's own utterances for the built-in intents the model uses (from the ASK
#: built-in intent reference; written by hand). Custom samples must not take them.
AMAZON_UTTERANCES: dict[str, tuple[str, ...]] = {
    "AMAZON.StopIntent": ("stop", "off", "shut up", "be quiet"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "can you help me"),
    "AMAZON.NextIntent": ("next", "skip", "skip ahead"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back", "skip back"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "repeat that"),
    "AMAZON.YesIntent": ("yes", "yeah", "sure", "yes please"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks"),
    "AMAZON.NavigateHomeIntent": ("go home", "home"),
}
CONTRACTIONS = {
    "i've": "i have",
    "i'm": "i am",
    "it's": "it is",
    "can't": "cannot",
    "don't": "do not",
    "let's": "let us",
    "what's": "what is",
    "you're": "you are",
}
ARTICLES = {"a", "an", "the"}


# --------------------------------------------------------------------------- the model


def language_model(locale: str) -> dict[str, Any]:
    data: dict[str, Any] = checked_in_model(locale)
    model: dict[str, Any] = data["interactionModel"]["languageModel"]
    return model


def slot_words(model: dict[str, Any]) -> dict[str, list[str]]:
    """Each custom slot type's values and synonyms, values first."""
    words: dict[str, list[str]] = {}
    for slot_type in model["types"]:
        values = [v["name"]["value"] for v in slot_type["values"]]
        synonyms = [s for v in slot_type["values"] for s in v["name"]["synonyms"]]
        words[slot_type["name"]] = values + synonyms
    return words


def normalise(text: str) -> str:
    """How near-identical utterances compare: lower case, spelled letters joined, no
    punctuation, contractions expanded, no articles."""
    text = re.sub(r"\b([a-z])\. ?", r"\1", text.lower())
    words: list[str] = []
    for word in re.findall(r"[a-z']+", text):
        words += CONTRACTIONS.get(word, word.replace("'", "")).split()
    return " ".join(w for w in words if w not in ARTICLES)


def expansions(model: dict[str, Any], intent: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(sample, words) for every sample with every combination of its custom slots'
    values and synonyms."""
    words = slot_words(model)
    types = {s["name"]: s["type"] for s in intent.get("slots", [])}
    for sample in intent["samples"]:
        names = re.findall(r"\{(\w+)\}", sample)
        pools = [words.get(types[name], ["{" + name + "}"]) for name in names]
        for combination in itertools.product(*pools):
            text = sample
            for name, value in zip(names, combination, strict=True):
                text = text.replace("{" + name + "}", value)
            yield sample, text


def conflicts(model: dict[str, Any]) -> list[str]:
    """Utterances two intents would both claim, after normalising."""
    owner: dict[str, tuple[str, str]] = {}
    found: list[str] = []

    def claim(key: str, intent: str, sample: str) -> None:
        first = owner.setdefault(key, (intent, sample))
        if first[0] != intent:
            found.append(f"{key!r}: {first[0]} {first[1]!r} and {intent} {sample!r}")

    for intent, utterances in AMAZON_UTTERANCES.items():
        for utterance in utterances:
            claim(normalise(utterance), intent, "(Amazon's)")
    for intent in model["intents"]:
        for sample, words in expansions(model, intent):
            claim(normalise(words), intent["name"], sample)
    return found


def samples_of(locale: str) -> dict[str, str]:
    """Every sample without slots (normalised) -> its intent, with Amazon's utterances."""
    found = {normalise(u): name for name, us in AMAZON_UTTERANCES.items() for u in us}
    for intent in language_model(locale)["intents"]:
        for sample in intent["samples"]:
            if "{" not in sample:
                found[normalise(sample)] = intent["name"]
    return found


def intent_for(locale: str, phrase: str) -> tuple[str, dict[str, str]] | None:
    """The intent (and slots) that a phrase is a sample of, with a slot sample counted
    only when each slot's words are a listed value or synonym."""
    model = language_model(locale)
    literal = samples_of(locale).get(normalise(phrase))
    if literal:
        return literal, {}
    words = slot_words(model)
    for intent in model["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            pattern = re.escape(normalise(sample.replace("{", " SLOT").replace("}", " ")))
            names = re.findall(r"\{(\w+)\}", sample)
            for name in names:
                pattern = pattern.replace("slot" + name, f"(?P<{name}>.+)", 1)
            match = re.fullmatch(pattern, normalise(phrase))
            if match and all(
                match.group(n) in {normalise(w) for w in words.get(types[n], [])} for n in names
            ):
                return intent["name"], {n: match.group(n) for n in names}
    return None


@dataclass(frozen=True)
class Utterance:
    intent: str
    sample: str
    slots: dict[str, str]


def utterances(locale: str) -> list[Utterance]:
    """Every sample of every intent once, its slots filled with values in turn (so every
    value of every slot type is used), and every symptom value and synonym on its own;
    each built-in intent without samples once."""
    model = language_model(locale)
    words = slot_words(model)
    turn: dict[str, Iterator[str]] = {name: itertools.cycle(pool) for name, pool in words.items()}
    found: list[Utterance] = []
    for intent in model["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"] or [""]:
            slots = {}
            for name in re.findall(r"\{(\w+)\}", sample):
                slot_type = types[name]
                slots[name] = next(turn[slot_type])
            found.append(Utterance(intent["name"], sample, slots))
    for word in words["SymptomType"]:
        found.append(Utterance("DescribeSymptomIntent", "{symptom}", {"symptom": word}))
    return found


# --------------------------------------------------------------------------- one answer


def said_words(ssml: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", ssml).split())


def problems(turn: Turn, speaker: Speaker) -> list[str]:
    """What a certification tester would send back about one answer (the Speaker has
    already checked the SSML parses and the sizes)."""
    found = []
    if not turn.said:
        found.append("nothing said")
    if not turn.ended and not (turn.reprompt or "").strip():
        found.append("the session stays open with no reprompt")
    if turn.ended and turn.reprompt is not None:
        found.append("a reprompt on a response that ends the session")
    card = turn.card
    if card is not None:
        text = card.get("content") if card["type"] == "Simple" else card.get("text")
        if card["type"] in {"Simple", "Standard"} and " ".join(str(text).split()) != turn.said:
            found.append(f"card {text!r} is not what was said {turn.said!r}")
        if card["type"] == "AskForPermissionsConsent" and not card.get("permissions"):
            found.append("a consent card asking for nothing")
    for directive in turn.directives:
        if directive["type"] == "Alexa.Presentation.APL.RenderDocument":
            version = directive["document"]["version"]
            if not speaker.apl or version_key(version) > version_key(speaker.apl_max or "1.0"):
                found.append(f"APL {version} on a device reporting {speaker.apl_max}")
    return found


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@pytest.fixture
def alexa(lambda_handler: Callable[[dict[str, Any], Any], Any]) -> Send:
    """The real Lambda entry point, with ALEXA_SKILL_ID set."""
    return lambda envelope: lambda_handler(envelope, None)


# --------------------------------------------------------------------------- every utterance


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sample_utterance_passes_the_certification_check(alexa: Send, locale: str) -> None:
    checked, failures = 0, []
    for utterance in utterances(locale):
        for apl in (False, True):
            speaker = Speaker(alexa, locale=locale, apl=apl)
            turn = speaker.intent(utterance.intent, **utterance.slots)
            checked += 1
            failures += [
                f"{utterance.intent} {utterance.sample!r} {utterance.slots} apl={apl}: {p}"
                for p in problems(turn, speaker)
            ]
    assert not failures, "\n".join(failures)
    assert checked > 2 * 300  # every sample, every symptom word, with and without a screen


# --------------------------------------------------------------------- Amazon's functional tests


@pytest.mark.parametrize("locale", LOCALES)
def test_launch_request(alexa: Send, locale: str) -> None:
    speaker = Speaker(alexa, locale=locale)
    turn = speaker.launch()
    assert not problems(turn, speaker)
    assert "not medical advice" in turn.said  # the health disclaimer, first thing
    assert not turn.ended and turn.said.endswith("?") and turn.reprompt


@pytest.mark.parametrize("locale", LOCALES)
def test_help_intent(alexa: Send, locale: str) -> None:
    speaker = Speaker(alexa, locale=locale)
    speaker.launch()
    turn = speaker.intent("AMAZON.HelpIntent")
    assert not problems(turn, speaker)
    assert "not medical advice" in turn.said and "not for emergencies" in turn.said
    assert turn.said.endswith("?") and not turn.ended and turn.reprompt  # asks, waits


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
@pytest.mark.parametrize("locale", LOCALES)
def test_stop_and_cancel_intents(alexa: Send, locale: str, name: str) -> None:
    for before in ([], ["ReliefNowIntent"], ["BedtimeIntent", "AMAZON.NextIntent"]):
        speaker = Speaker(alexa, locale=locale)
        for intent in before:
            speaker.intent(intent)
        turn = speaker.intent(name)
        assert not problems(turn, speaker)
        assert turn.ended and turn.reprompt is None, before
        assert len(turn.said.split()) < 30  # a short goodbye, no more advice


@pytest.mark.parametrize("locale", LOCALES)
def test_fallback_intent(alexa: Send, locale: str) -> None:
    speaker = Speaker(alexa, locale=locale)
    speaker.launch()
    turn = speaker.intent(FALLBACK)
    assert not problems(turn, speaker)
    assert turn.said.startswith(library().get(locale).system["fallback"].voice[:20])
    assert not turn.ended and turn.reprompt


@pytest.mark.parametrize("locale", LOCALES)
def test_one_shot(alexa: Send, locale: str) -> None:
    """ "Alexa, ask Cramp Coach <a sample>": a new session straight to the answer."""
    for name in ("ReliefNowIntent", "CausesIntent", "PreventionIntent", "BedtimeRoutineIntent"):
        speaker = Speaker(alexa, locale=locale)
        assert speaker.new
        turn = speaker.intent(name)
        assert not problems(turn, speaker), name
        assert not turn.said.startswith("Welcome"), name  # the answer, not the welcome
    relief = Speaker(alexa, locale=locale).intent("ReliefNowIntent")
    assert relief.first_sentence.startswith("Straighten your leg")


@pytest.mark.parametrize(
    "reason", ["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR"]
)
def test_session_ended_request(alexa: Send, reason: str) -> None:
    speaker = Speaker(alexa)
    speaker.launch()
    request: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if reason == "ERROR":
        request["error"] = {"type": "INVALID_RESPONSE", "message": "test"}
    turn = speaker.request(request)
    assert "outputSpeech" not in turn.response and "reprompt" not in turn.response
    assert not turn.directives


def test_navigate_home_is_the_welcome(alexa: Send) -> None:
    speaker = Speaker(alexa)
    speaker.intent("ReliefNowIntent")
    home = speaker.intent("AMAZON.NavigateHomeIntent")
    assert home.said == Speaker(alexa).launch().said and not home.ended


# --------------------------------------------------------------------------- utterance conflicts


@pytest.mark.parametrize("locale", LOCALES)
def test_no_utterance_is_claimed_by_two_intents(locale: str) -> None:
    assert conflicts(language_model(locale)) == []


def test_the_conflict_check_finds_near_identical_samples() -> None:
    model = copy.deepcopy(language_model("en-US"))
    intents = {i["name"]: i for i in model["intents"]}
    intents["ReliefNowIntent"]["samples"].append("I've got a cramp")  # "I've got {symptom}"
    intents["NightIntent"]["samples"].append("What causes cramps?")  # CausesIntent's
    intents["ThanksIntent"]["samples"].append("never mind")  # AMAZON.CancelIntent's
    found = conflicts(model)
    keys = {f.split(":")[0] for f in found}
    assert keys == {"'i have got cramp'", "'what causes cramps'", "'never mind'"}, found
    assert any("DescribeSymptomIntent" in f and "ReliefNowIntent" in f for f in found)


# --------------------------------------------------------------------------- prompts that work

#: The phrases each prompt tells people to say, written by hand from the texts.
#: "literal": each must be a sample without slots (or Amazon's own utterance).
SUGGESTIONS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "system.fallback": (True, ("I'm having a cramp", "how do I prevent cramps",
                               "when should I get help")),
    "topics.help": (True, ("what do I do for a leg cramp", "how do I prevent cramps",
                           "what causes cramps", "when should I get help",
                           "start my bedtime stretches")),
    "system.reprompt": (True, ("help with a cramp", "tips to prevent cramps", "when to get help")),
    "system.welcome": (True, ("how to prevent cramps", "when to get help",
                              "start my bedtime stretches")),
    "system.more_prompt": (True, ("when to get help",)),
    "system.no_guide": (False, ("start my bedtime stretches",)),
    "system.next_hint": (True, ("next",)),
    "system.guide_end_hint": (True, ("repeat",)),
    "system.first_step": (True, ("repeat", "next")),
}


def voice_text(locale: str, key: str) -> str:
    content = library().get(locale)
    kind, name = key.split(".")
    text = content.system[name] if kind == "system" else content.topics[name].text
    return text.voice


def you_can_say(text: str) -> list[str]:
    """The list in a "You can say: a, b, or c." sentence."""
    match = re.search(r"You can say: ([^.?!]+)", text)
    assert match, text
    return [p.strip() for p in re.split(r",\s*(?:or\s+)?|\s+or\s+", match.group(1)) if p.strip()]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_prompts_suggest_only_phrases_that_are_samples(alexa: Send, locale: str) -> None:
    fallback = library().get(locale).system["fallback"].voice
    for key, (literal, phrases) in SUGGESTIONS.items():
        text = voice_text(locale, key).lower()
        for phrase in phrases:
            assert phrase.lower() in text, f"{key} no longer says {phrase!r}: update the table"
            routed = intent_for(locale, phrase)
            assert routed is not None, f"{key} suggests {phrase!r}, which is no sample"
            intent, slots = routed
            assert intent != FALLBACK and (slots == {} or not literal), (key, phrase, intent)
            if intent.startswith("AMAZON."):
                continue
            turn = Speaker(alexa, locale=locale).intent(intent, **slots)
            assert not turn.said.startswith(fallback[:20]), (key, phrase)
    for key in ("system.fallback", "topics.help"):  # the table lists everything they suggest
        assert set(you_can_say(voice_text(locale, key))) <= set(SUGGESTIONS[key][1]), key


# --------------------------------------------------------------------------- request types

OTHER_REQUESTS: list[dict[str, Any]] = [
    {"type": "Alexa.Presentation.APL.UserEvent", "token": "crampvoice-step", "arguments": ["x"],
     "source": {"type": "TouchWrapper", "handler": "Press", "id": "button"}},
    {"type": "Messaging.MessageReceived", "message": {"hello": "there"}},
    {"type": "System.ExceptionEncountered",
     "error": {"type": "INVALID_RESPONSE", "message": "An exception occurred"},
     "cause": {"requestId": "amzn1.echo-api.request.0"}},
    {"type": "Reminders.ReminderStarted", "body": {"alertToken": "token"}},
    {"type": "Reminders.ReminderCreated", "body": {"alertToken": "token"}},
    {"type": "CanFulfillIntentRequest",
     "intent": {"name": "ReliefNowIntent", "confirmationStatus": "NONE", "slots": {}}},
    {"type": "SessionResumedRequest", "cause": {"type": "ConnectionCompleted"}},
    {"type": "Alexa.Presentation.APL.RuntimeError", "token": "crampvoice-step", "errors": []},
    {"type": "AudioPlayer.PlaybackStopped", "token": "t", "offsetInMilliseconds": 0},
    {"type": "AlexaSkillEvent.SkillEnabled", "body": {}},
    {"type": "Alexa.Something.AddedNextYear", "payload": {"anything": [1, 2]}},
]


@pytest.mark.parametrize("request_json", OTHER_REQUESTS, ids=lambda r: r["type"])
def test_every_other_request_type_gets_a_valid_quiet_answer_and_a_log_line(
    send: Send, request_json: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    speaker = Speaker(send, apl=True)
    speaker.launch()
    with caplog.at_level(logging.INFO):
        turn = speaker.request(copy.deepcopy(request_json))  # checks it is a valid response
    assert "outputSpeech" not in turn.response and not turn.directives
    assert any(request_json["type"] in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    if request_json["type"] == "CanFulfillIntentRequest":
        assert turn.response["canFulfillIntent"] == {"canFulfill": "NO"}


def test_a_request_of_an_unknown_type_for_another_skill_is_still_refused(alexa: Send) -> None:
    from ask_sdk_core.exceptions import AskSdkException

    stranger = Speaker(alexa, application_id="amzn1.ask.skill.someone-else")
    with pytest.raises(AskSdkException):
        stranger.request({"type": "Alexa.Something.AddedNextYear"})


#: Optional parts of an envelope a request may come without, as key paths.
MISSING = [
    ("context",),
    ("session",),
    ("context", "System", "device"),
    ("context", "System", "device", "supportedInterfaces"),
    ("context", "System", "user"),
    ("context", "System", "apiAccessToken"),
    ("context", "System", "apiEndpoint"),
    ("context", "Viewport"),
    ("session", "attributes"),
    ("session", "user"),
    ("request", "locale"),
]
REQUESTS: list[dict[str, Any]] = [
    {"type": "LaunchRequest"},
    {"type": "IntentRequest", "intent": {"name": "ReliefNowIntent"}},
    {"type": "IntentRequest", "intent": {"name": "AMAZON.HelpIntent"}},
    {"type": "IntentRequest", "intent": {"name": "DescribeSymptomIntent",
                                         "slots": {"symptom": {"name": "symptom",
                                                               "value": "short of breath"}}}},
    {"type": "IntentRequest", "intent": {"name": "ReminderSetIntent"}},
    {"type": "IntentRequest", "intent": {"name": FALLBACK}},
    {"type": "SessionEndedRequest", "reason": "USER_INITIATED"},
    {"type": "Alexa.Presentation.APL.UserEvent", "arguments": []},
    {"type": "Connections.Response", "name": "AskFor", "status": {"code": "200"},
     "payload": {"status": "DENIED"}, "token": "crampvoice-bedtime 21:30"},
]


@pytest.mark.parametrize("path", MISSING, ids=".".join)
def test_an_envelope_without_an_optional_part_is_answered(
    send: Send, path: tuple[str, ...]
) -> None:
    for request in REQUESTS:
        speaker = Speaker(send, apl=True)
        envelope = speaker.envelope(copy.deepcopy(request))
        parent = envelope
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        response = send(envelope)
        turn = Turn(response)
        if request["type"] in {"LaunchRequest", "IntentRequest"}:
            assert turn.said, (path, request)
            assert not problems(turn, speaker), (path, request)


def test_an_envelope_with_nothing_but_the_request_is_answered() -> None:
    """Without a configured skill id (the simulator, a test tool), even context and
    session may be missing."""
    skill = Skill()
    for request in REQUESTS:
        envelope = {"version": "1.0", "request": {"requestId": "r", "locale": "en-GB", **request}}
        reply = skill.handle(envelope)
        assert "response" in reply
    envelope = {"version": "1.0", "request": {"type": "LaunchRequest", "requestId": "r"}}
    assert "not medical advice" in Turn(skill.handle(envelope)).said


# --------------------------------------------------------------------------- APL


def render_directive(turn: Turn) -> dict[str, Any] | None:
    for directive in turn.directives:
        if directive["type"] == "Alexa.Presentation.APL.RenderDocument":
            return directive
    return None


def test_a_screen_only_where_the_device_reports_apl(alexa: Send) -> None:
    assert render_directive(Speaker(alexa, apl=False).intent("ReliefNowIntent")) is None
    assert render_directive(Speaker(alexa, apl=True).intent("ReliefNowIntent")) is not None


@pytest.mark.parametrize(
    ("reported", "sent"),
    [
        ("1.1", "1.1"),
        ("1.4", "1.4"),
        ("2022.2", "2022.2"),
        ("2023.3", "2023.3"),
        ("2024.2", "2024.2"),
        ("2099.1", APL_VERSIONS[-1]),  # newer than the layout knows: the newest it does
        (None, "1.0"),  # the interface with no runtime reported
    ],
)
def test_the_apl_version_is_what_the_device_reports(
    alexa: Send, reported: str | None, sent: str
) -> None:
    speaker = Speaker(alexa, apl=True, apl_max=reported)
    directive = render_directive(speaker.intent("ReliefNowIntent"))
    assert directive is not None
    assert directive["document"]["version"] == sent


def test_a_version_that_makes_no_sense_gets_no_screen(alexa: Send) -> None:
    turn = Speaker(alexa, apl=True, apl_max="latest").intent("ReliefNowIntent")
    assert render_directive(turn) is None and turn.said


#: Screens the skill is made for: (name, mode, shape, width, height) in dp, written by
#: hand from Amazon's viewport profiles.
DEVICES = [
    ("Echo Spot", "hub", "round", 480, 480),
    ("Echo Show 5", "hub", "rectangle", 960, 480),
    ("Echo Show 8", "hub", "rectangle", 960, 600),
    ("Echo Show (2nd gen)", "hub", "rectangle", 1024, 600),
    ("Echo Show 10", "hub", "rectangle", 1280, 800),
    ("Echo Show 15", "hub", "rectangle", 1920, 1080),
    ("Fire TV", "tv", "rectangle", 960, 540),
]
LINE_HEIGHT = 1.25  # APL's default Text lineHeight


def resources_for(document: dict[str, Any], shape: str, height: int) -> dict[str, Any]:
    """The document's resources on a viewport: each block whose `when` holds, in order."""
    found: dict[str, Any] = {}
    for block in document["resources"]:
        when = block.get("when", "${true}")
        holds = {
            "${true}": True,
            "${viewport.shape == 'round'}": shape == "round",
        }.get(when)
        if holds is None:
            match = re.fullmatch(r"\$\{viewport\.height >= (\d+)\}", when)
            assert match, f"a condition this check cannot read: {when}"
            holds = height >= int(match.group(1))
        if holds:
            for kind in ("dimensions", "numbers"):
                found.update(block.get(kind, {}))
    return found


def dp(value: Any, resources: dict[str, Any], width: int, height: int) -> float:
    value = resources[value[1:]] if isinstance(value, str) and value.startswith("@") else value
    if isinstance(value, int | float):
        return float(value)
    number, unit = re.fullmatch(r"([\d.]+)(dp|vw|vh)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"dp": 1.0, "vw": width / 100, "vh": height / 100}[unit]


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d[0])
def test_the_screen_fits_each_device(device: tuple[str, str, str, int, int]) -> None:
    """Every line the layout allows, at its size, fits the screen (inside the circle on a
    round one)."""
    from crampvoice_skill.speech import apl_document

    _, _, shape, width, height = device
    document = apl_document()
    res = resources_for(document, shape, height)
    box = document["mainTemplate"]["items"][0]
    content = 0.0
    for text in box["items"]:
        lines = dp(text.get("maxLines", 1), res, width, height)
        content += dp(text.get("paddingTop", "0dp"), res, width, height)
        content += dp(text["fontSize"], res, width, height) * LINE_HEIGHT * lines
    pad_x = dp(box["paddingLeft"], res, width, height)
    pad_y = dp(box["paddingTop"], res, width, height)
    assert content + 2 * pad_y <= height, (device, content)
    if shape == "round":
        half_w, half_h = (width - 2 * pad_x) / 2, content / 2
        assert (half_w**2 + half_h**2) ** 0.5 <= width / 2, device


def test_the_manifest_lists_each_device_the_layout_is_made_for() -> None:
    interfaces = manifest()["apis"]["custom"]["interfaces"]
    apl = next(i for i in interfaces if i["type"] == "ALEXA_PRESENTATION_APL")
    listed = {
        (v["mode"].lower(), v["shape"].lower(), v["minWidth"], v["minHeight"])
        for v in apl["supportedViewports"]
    }
    assert listed == {(mode, shape, w, h) for _, mode, shape, w, h in DEVICES}


# --------------------------------------------------------------------------- skill.json


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert set(data) == {"manifest"}
    result: dict[str, Any] = data["manifest"]
    return result


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


#: The manifest as ASK CLI v2 deploys it (SMAPI's skill manifest): key -> type, by hand.
SHAPE: dict[str, Any] = {
    "manifestVersion": str,
    "publishingInformation": {
        "locales": dict,
        "isAvailableWorldwide": bool,
        "distributionCountries": list,
        "category": str,
        "testingInstructions": str,
    },
    "privacyAndCompliance": {
        "allowsPurchases": bool,
        "usesPersonalInfo": bool,
        "isChildDirected": bool,
        "isExportCompliant": bool,
        "containsAds": bool,
        "usesHealthInfo": bool,
        "locales": dict,
    },
    "permissions": list,
    "apis": {"custom": {"interfaces": list}},
}
LOCALE_SHAPE = {
    "name": str,
    "summary": str,
    "description": str,
    "smallIconUri": str,
    "largeIconUri": str,
    "examplePhrases": list,
    "keywords": list,
}


def check_shape(data: Any, shape: Any, where: str) -> None:
    if isinstance(shape, dict):
        assert isinstance(data, dict), where
        assert set(data) == set(shape), f"{where}: {sorted(set(data) ^ set(shape))}"
        for key, inner in shape.items():
            check_shape(data[key], inner, f"{where}.{key}")
    else:
        assert isinstance(data, shape), f"{where} is not {shape.__name__}"


def test_skill_json_has_the_shape_ask_cli_v2_deploys() -> None:
    data = manifest()
    check_shape(data, SHAPE, "manifest")
    assert data["manifestVersion"] == "1.0"
    assert data["publishingInformation"]["category"] == "HEALTH_AND_FITNESS"
    locales = data["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES) == set(data["privacyAndCompliance"]["locales"])
    for locale, info in locales.items():
        check_shape(info, LOCALE_SHAPE, f"locales.{locale}")
        assert len(info["summary"]) <= 160 and len(info["description"]) <= 4000
        assert 1 <= len(info["examplePhrases"]) <= 3 and len(info["keywords"]) <= 30
        assert len(info["name"]) <= 50


def test_the_icons_are_shipped_in_the_package_as_ask_cli_uploads_them() -> None:
    for info in manifest()["publishingInformation"]["locales"].values():
        for key, size in (("smallIconUri", 108), ("largeIconUri", 512)):
            uri = info[key]
            assert uri.startswith("file://") and uri.endswith(".png"), uri
            path = PACKAGE / uri.removeprefix("file://")  # relative to skill-package/
            assert path.is_file(), path
            assert png_size(path) == (size, size), path


@pytest.mark.parametrize("locale", LOCALES)
def test_the_example_phrases_are_sample_utterances(locale: str) -> None:
    """The first names the skill and is one-shot; each is "open <name>" or
    "ask <name> <an exact sample>"."""
    phrases = manifest()["publishingInformation"]["locales"][locale]["examplePhrases"]
    invocation = language_model(locale)["invocationName"]
    samples = {
        s.lower() for i in language_model(locale)["intents"] for s in i["samples"] if "{" not in s
    }
    for index, phrase in enumerate(phrases):
        match = re.fullmatch(rf"(?:Alexa, )?(ask|open) {invocation}(?: (.+))?", phrase, re.I)
        assert match, phrase
        verb, words = match.groups()
        if verb.lower() == "ask":
            assert words and words.lower() in samples, f"{phrase!r}: {words!r} is no sample"
        else:
            assert words is None, phrase
        if index == 0:
            assert phrase.startswith("Alexa, ask ") and words, "the first one: one-shot"


def test_the_privacy_policy_and_terms_urls_are_the_served_pages() -> None:
    compliance = manifest()["privacyAndCompliance"]
    for urls in compliance["locales"].values():
        assert urls == {
            "privacyPolicyUrl": DEFAULT_BASE_URL + PRIVACY_PATH,
            "termsOfUseUrl": DEFAULT_BASE_URL + TERMS_PATH,
        }
    assert urlsplit(DEFAULT_BASE_URL).hostname.endswith(".example.org")  # type: ignore[union-attr]
    # Answered truthfully: no purchases, ads or personal information (names, emails,
    # addresses); not for children; not a HIPAA-eligible skill collecting health records.
    assert compliance["allowsPurchases"] is False and compliance["containsAds"] is False
    assert compliance["usesPersonalInfo"] is False and compliance["isChildDirected"] is False
    assert compliance["usesHealthInfo"] is False and compliance["isExportCompliant"] is True


def test_the_health_disclaimer_and_the_permissions() -> None:
    data = manifest()
    for info in data["publishingInformation"]["locales"].values():
        assert "not a substitute for professional medical advice" in info["description"]
        assert "not medical advice" in info["summary"] + info["description"]
        assert "not for emergencies" in info["summary"]
    assert data["permissions"] == [{"name": "alexa::alerts:reminders:skill:readwrite"}]


def test_build_skill_points_the_manifest_at_the_operators_pages(tmp_path: Path) -> None:
    package = tmp_path / "skill-package"
    shutil.copytree(PACKAGE, package)
    out = package / "interactionModels" / "custom"

    def build(**urls: str | None) -> int:
        args = {"public_url": None, "privacy_url": None, "terms_url": None, **urls}
        return build_skill(argparse.Namespace(out=str(out), check=False, **args))

    def urls() -> set[tuple[str, str]]:
        data = json.loads((package / "skill.json").read_text(encoding="utf-8"))
        found = data["manifest"]["privacyAndCompliance"]["locales"].values()
        return {(u["privacyPolicyUrl"], u["termsOfUseUrl"]) for u in found}

    assert build() == 0
    assert urls() == {(DEFAULT_BASE_URL + "/privacy", DEFAULT_BASE_URL + "/terms")}
    assert build(public_url="https://cramps.example.net/") == 0
    assert urls() == {("https://cramps.example.net/privacy", "https://cramps.example.net/terms")}
    assert build(privacy_url="https://clinic.example.com/privacy-notice") == 0
    assert urls() == {
        ("https://clinic.example.com/privacy-notice", DEFAULT_BASE_URL + "/terms")
    }
    with pytest.raises(SystemExit):
        build(public_url="http://cramps.example.net")
    assert build_skill(argparse.Namespace(out=str(out), check=True)) == 0  # models untouched



def test_the_small_icon_is_what_the_script_draws() -> None:
    """The PNGs are generated (scripts/make-icons.py) and committed: they stay in step."""
    import importlib.util

    script = SKILL.parent / "scripts" / "make-icons.py"
    spec = importlib.util.spec_from_file_location("make_icons", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.draw(108) == (PACKAGE / "assets" / "images" / "small-icon.png").read_bytes()
