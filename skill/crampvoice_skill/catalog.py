"""The skill's intents, derived from the core's catalog: topics, phrasings and slots.

One table serves the interaction model (`crampvoice build-skill`) and dispatch, so
every intent in the model has a route and nothing is listed by hand:

- each topic of advice gets an intent named after it (`massage` -> `MassageIntent`)
  with the topic's sample utterances, so one-shot invocation ("ask Cramp Coach what
  to do for a leg cramp") lands on the topic; a topic whose core intent has an Alexa
  built-in (help, stop) adds its samples to the built-in instead;
- each `[slots.<name>]` with samples gets `Describe<Name>Intent`: what was said in its
  slots goes to the core as text, which classifies and triages it;
- a topic sample may use a value slot (`{time}`: the bedtime reminder's time); the route
  names it as a value the adapter reads, never triaged. Its type lists the bedtimes
  people say (`bedtime.spoken_examples`), and Alexa passes the words it heard, which the
  core reads with the same rule as a text (`bedtime.read_time`);
- the AMAZON built-ins map onto the core's conversation intents;
- topics about text messages (`TEXT_ONLY`: opting in and out of messages) are not in
  the voice model: a speaker sends no messages, and Alexa's own Stop and Cancel
  utterances stop the skill.

No ask-sdk here: the build command and the benchmarks import this without it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crampvoice import bedtime
from crampvoice.engine import Core
from crampvoice.intents import Intent
from crampvoice.understanding import Phrasings, SlotType

#: The locales the skill is published in; the interaction models are English for all.
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
LANGUAGE = "en"

#: Alexa's built-in intents and the core intent each one means.
BUILT_INS: Mapping[str, Intent] = {
    "AMAZON.HelpIntent": Intent.HELP,
    "AMAZON.StopIntent": Intent.STOP,
    "AMAZON.CancelIntent": Intent.STOP,
    "AMAZON.FallbackIntent": Intent.FALLBACK,
    "AMAZON.NextIntent": Intent.NEXT,
    "AMAZON.RepeatIntent": Intent.REPEAT,
    "AMAZON.PreviousIntent": Intent.PREVIOUS,
    "AMAZON.YesIntent": Intent.YES,
    "AMAZON.NoIntent": Intent.NO,
}
#: Core intents that only mean something by text message ("sign me up", "stop texting
#: me"): their topics' samples stay out of the voice model.
TEXT_ONLY = frozenset({Intent.START, Intent.STOP})
#: In the model and handled as a launch (the welcome), not by the core's intents.
NAVIGATE_HOME = "AMAZON.NavigateHomeIntent"
#: Placeholders in topic samples that are values for the adapter (never triaged), by slot
#: name: their slot types, whose values the core gives.
VALUE_SLOT_TYPES: Mapping[str, SlotType] = {
    "time": SlotType("time", tuple((words, ()) for words in bedtime.spoken_examples()), ()),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_ACRONYM = re.compile(r"\b(?:[A-Z]{2,}|(?!I\b)[A-Z])\b")


@dataclass(frozen=True)
class Route:
    """What an Alexa intent means to the core."""

    intent: Intent | None  # None: the core classifies what was said in the slots
    topic: str | None = None
    slots: tuple[str, ...] = ()  # slot names whose words are the text, in speaking order
    values: tuple[str, ...] = ()  # built-in slots read as values (a time), never triaged


@dataclass(frozen=True)
class Catalog:
    routes: Mapping[str, Route]
    samples: Mapping[str, tuple[str, ...]]
    slot_types: Mapping[str, SlotType]

    def interaction_model(self, invocation_name: str) -> dict[str, Any]:
        """The `interactionModels/custom/<locale>.json` document."""
        intents: list[dict[str, Any]] = []
        for name in [*self.routes, NAVIGATE_HOME]:
            intent: dict[str, Any] = {"name": name}
            route = self.routes.get(name, Route(None))
            slots = [{"name": s, "type": slot_type_name(s)} for s in route.slots]
            slots += [{"name": s, "type": slot_type_name(s)} for s in route.values]
            if slots:
                intent["slots"] = slots
            intent["samples"] = list(self.samples.get(name, ()))
            intents.append(intent)
        types = [
            {
                "name": slot_type_name(slot.name),
                "values": [
                    {"name": {"value": value, "synonyms": list(synonyms)}}
                    for value, synonyms in slot.values
                ],
            }
            for slot in self.slot_types.values()
        ]
        return {
            "interactionModel": {
                "languageModel": {
                    "invocationName": invocation_name,
                    "intents": intents,
                    "types": types,
                }
            },
            "version": "1",
        }


def intent_name(key: str) -> str:
    """`relief_now` -> `ReliefNowIntent`."""
    return _camel(key) + "Intent"


def slot_type_name(slot: str) -> str:
    """`body_part` -> `BodyPartType`."""
    return _camel(slot) + "Type"


def _camel(key: str) -> str:
    return "".join(word.capitalize() for word in key.split("_"))


def alexa_sample(text: str) -> str:
    """An utterance as Alexa wants it: letters spelled out ("DVT" -> "d. v. t.")."""

    def spell(match: re.Match[str]) -> str:
        return " ".join(f"{letter.lower()}." for letter in match.group(0))

    return " ".join(_ACRONYM.sub(spell, text).split())


def build_catalog(phrasings: Phrasings, topic_intents: Mapping[str, Intent]) -> Catalog:
    built_in_for: dict[Intent, str] = {}
    for name, intent in BUILT_INS.items():
        built_in_for.setdefault(intent, name)
    routes: dict[str, Route] = {}
    samples: dict[str, list[str]] = {}
    for key, cues in phrasings.topics.items():
        intent = topic_intents[key]
        if intent in TEXT_ONLY:
            continue
        name = built_in_for.get(intent) or intent_name(key)
        values = tuple(dict.fromkeys(p for s in cues.samples for p in _PLACEHOLDER.findall(s)))
        unknown = [p for p in values if p not in VALUE_SLOT_TYPES]
        if unknown or (values and name in built_in_for.values()):
            raise ValueError(f"topics.{key}: {{{(unknown or values)[0]}}} is no value slot here")
        if name not in built_in_for.values():
            routes[name] = Route(intent, key, values=values)
        samples.setdefault(name, []).extend(cues.samples)
    for key, slot in phrasings.slots.items():
        if not slot.samples:
            continue  # a slot type used by another slot's samples
        used = [s for sample in slot.samples for s in _PLACEHOLDER.findall(sample)]
        order = [s for s in dict.fromkeys(used) if s != key]
        name = "Describe" + intent_name(key)
        routes[name] = Route(None, None, (*order, key))
        samples[name] = list(slot.samples)
    for name, intent in BUILT_INS.items():
        routes[name] = Route(intent)
    _check_unique(samples)
    return Catalog(
        routes=routes,
        samples={name: tuple(alexa_sample(s) for s in found) for name, found in samples.items()},
        slot_types={**phrasings.slots, **VALUE_SLOT_TYPES},
    )


def _check_unique(samples: Mapping[str, list[str]]) -> None:
    owner: dict[str, str] = {}
    for name, found in samples.items():
        for sample in found:
            key = " ".join(alexa_sample(sample).lower().split())
            if owner.setdefault(key, name) != name or found.count(sample) > 1:
                raise ValueError(f"sample {sample!r} is in {owner[key]} and {name}")


@functools.cache
def catalog() -> Catalog:
    """The catalog of the shipped content, built once per process."""
    understander = Core.default().understander
    return build_catalog(understander.phrasings, understander.topic_intents)


def interaction_model(locale: str) -> dict[str, Any]:
    """The interaction model for a locale; the invocation name is the program's name."""
    content = Core.default().content.get(locale)
    return catalog().interaction_model(content.program_name.lower())
