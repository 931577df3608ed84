"""The shared channel table by voice: what the speaker says first (tests/data/same_triage.tsv)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crampvoice.evaluation import Example, read_corpus
from tests.skill.conftest import Speaker

TABLE = read_corpus(Path(__file__).parents[1] / "data" / "same_triage.tsv")


def shown(first_sentence: str) -> str:
    if first_sentence == "Call 911 now.":
        return "emergency"
    return "urgent" if first_sentence.startswith("Contact ") else "none"


@pytest.mark.parametrize("example", TABLE, ids=[e.text for e in TABLE])
def test_the_same_words_give_the_same_triage_by_voice(
    speaker: Callable[..., Speaker], example: Example
) -> None:
    turn = speaker(locale="en-US").symptom(example.text)
    assert shown(turn.first_sentence) == example.level.value, turn.said
