"""The red-team corpus (`tests/data/red_team.tsv`): 271 short texts a second-reader session
wrote and labelled by hand, before the engine ran on them, to break the scopes (a danger
sign beside a negation, a supposition, a question, someone else, the past, a story, a
verdict). A message that must escalate reaches at least its level; one that must not
is not escalated. What is still wrong is listed with why, as strict expected failures:
fixing one makes its test fail until it leaves the list."""

from __future__ import annotations

from pathlib import Path

import pytest

from crampvoice.engine import Core
from crampvoice.evaluation import Example, read_corpus
from crampvoice.triage import Level

DATA = Path(__file__).parents[1] / "data"

_QUESTION = "a question about danger in general with a present report in it and no comma"
_STORY = "a new episode told in the past after a story or verdict cue with no time of its own"
_BABY = "no words for the baby's movements here"
_VERDICT = "a verdict closes every earlier finding, whatever it was about"

#: Still wrong at the end of the stop that added the corpus, with why.
KNOWN = {
    "whether its pre e or not my head is pounding and vision blurry": "'whether ... or not' "
    "supposes what follows",
    "why does baby not kick anymore": _QUESTION,
    "symptoms of clot calf red hot swollen": _QUESTION,
    "can lack of sleep cause thoughts of hurting the baby": _QUESTION,
    "same thing as last year my calf is swollen and hot on one side": "a comparison with "
    "last year is read as last year",
    "i recovered from covid last month and i fainted in the shower": _STORY,
    "In the end they sent me home. Then the bleeding got heavy and I soaked 2 pads": _STORY,
    "baby hardly kicked all evening. Scan was fine at 28 weeks.": _VERDICT,
    "I collapsed after my shower. The ultrasound showed baby is okay": _VERDICT,
    "baby was fine all day. tonight hes not kicking": _BABY,
    "baby was moving fine this morning, since then nothing": _BABY,
    "baby usually goes mad at night but tonight nothing": _BABY,
    "the headache went away after paracetamol but it came back and is worse than before":
    "'went away' lowers the headache though it came back worse",
    "swollen calf, both my feet are fine": "'both' of feet that are fine is read as both legs",
    # ...and must-nots still escalated.
    "my sister had pre eclampsia, am i at risk": "a sister is not someone else, and 'at "
    "risk' alone asks nothing",
    "i used to faint as a teenager, now pregnant and worried it will happen again, any "
    "advice": "no cue for a habit of the past ('used to')",
    "my husband has a swollen ankle from football, can he use my cramp cream": "a partner "
    "is taken to be the pregnant one",
    "with my first i had pre e and my face swelled up, this time all good so far, any "
    "cramp tips": "'and my' ends the past of 'with my first'",
}

ROWS = read_corpus(DATA / "red_team.tsv")


@pytest.fixture(scope="module")
def core() -> Core:
    return Core.default()


def _param(example: Example) -> object:
    reason = KNOWN.get(example.text)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(example, id=example.text[:60], marks=marks)


def test_every_known_failure_is_in_the_corpus() -> None:
    assert set(KNOWN) <= {example.text for example in ROWS}


@pytest.mark.parametrize("example", [_param(e) for e in ROWS])
def test_the_red_team_corpus(core: Core, example: Example) -> None:
    got = core.assess(example.text).level
    if example.level.rank >= Level.URGENT.rank:
        assert got.rank >= example.level.rank, (example.text, got)
    else:
        assert got.rank < Level.URGENT.rank, (example.text, got)
