"""'Start my bedtime stretches': the bedtime routine played through in one response, with
every hold counted, so nobody has to say "next" at bedtime. Through Lambda and POST /alexa;
the speaker checks every response is valid SSML within Alexa's limits."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from crampvoice import gsm, render
from crampvoice.content import library
from crampvoice.engine import Core
from crampvoice.intents import Intent

from .conftest import Speaker, _seconds

Make = Callable[..., Speaker]


def steps(locale: str = "en-US") -> list[str]:
    return [step.text.voice for step in library().get(locale).guides["bedtime"].steps]


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU"])
def test_start_my_bedtime_stretches_plays_through_without_next(speaker: Make, locale: str) -> None:
    turn = speaker(locale=locale, apl=True).intent("BedtimeRoutineIntent")
    root = ET.fromstring(turn.ssml)  # valid SSML (the speaker also checked the limits)
    breaks = [_seconds(b.get("time", "0s")) for b in root.iter("break")]
    assert all(0 < b <= 10 for b in breaks)
    assert sum(breaks) >= 60  # both 30-second calf holds, counted out in short breaks
    assert len(turn.ssml) < 8000
    said = turn.said
    bedtime = library().get(locale).guides["bedtime"]
    assert said.startswith(bedtime.intro.voice)
    assert said.endswith(bedtime.done.voice)
    positions = [said.index(step) for step in steps(locale)]
    assert positions == sorted(positions)  # every step, in order
    left_calf = said[positions[0] : positions[1]]
    assert left_calf.count("And relax.") == 1  # the hold counted to its end
    for count in ("5.", "10.", "15.", "20.", "25."):
        assert f" {count} " in left_calf
    assert "say next" not in said.lower()
    assert turn.ended and turn.reprompt is None  # bedtime: nothing left waiting


def test_each_calf_hold_is_counted_for_thirty_seconds(speaker: Make) -> None:
    ssml = speaker().intent("BedtimeRoutineIntent").ssml
    left, right, feet = (ssml.index(step) for step in steps()[:3])
    for start, end in ((left, right), (right, feet)):  # each calf stretch until the next step
        breaks = re.findall(r'<break time="([^"]+)"/>', ssml[start:end])
        assert sum(_seconds(b) for b in breaks) == 30


def test_what_stretches_before_bed_is_still_the_answer(speaker: Make) -> None:
    turn = speaker().intent("BedtimeIntent")
    assert turn.said.startswith(library().get("en-US").topics["bedtime"].text.voice)
    assert turn.held_seconds == 0
    assert not turn.ended and turn.reprompt


def test_the_routine_by_text_is_the_whole_routine_in_one_message() -> None:
    reply = Core.default().respond(None, intent=Intent.BEDTIME, topic="bedtime_routine")
    text = render.sms(reply)
    assert text == library().get(None).topics["bedtime_routine"].text.sms
    assert gsm.segments(text) <= 2
    assert "Hold 30 secs" in text


def test_repeat_plays_the_routine_again() -> None:
    core = Core.default()
    first = core.respond(None, intent=Intent.BEDTIME, topic="bedtime_routine")
    again = core.respond("repeat", state=first.state)
    assert render.ssml(again) == render.ssml(first)


def test_free_text_about_bedtime_stretches_is_understood_as_before() -> None:
    core = Core.default()
    for message in ("start my bedtime stretches", "remind me to stretch before bed"):
        understood = core.understand(message)
        assert (understood.intent, understood.topic) == (Intent.BEDTIME, "bedtime"), message
