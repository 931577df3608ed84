"""The shared channel table by phone call: what the caller hears first
(tests/data/same_triage.tsv, the same file the SMS and Alexa tests read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crampvoice.evaluation import Example, read_corpus
from tests.call.conftest import Caller

TABLE = read_corpus(Path(__file__).parents[1] / "data" / "same_triage.tsv")


def shown(first: str) -> str:
    if first.startswith("Call 9 1 1 now"):  # a phone reads the number digit by digit
        return "emergency"
    return "urgent" if first.startswith("Contact ") else "none"


@pytest.mark.parametrize("example", TABLE, ids=[e.text for e in TABLE])
def test_the_same_words_give_the_same_triage_by_call(us_caller: Caller, example: Example) -> None:
    us_caller.twiml()
    said = us_caller.hear(speech=example.text)
    assert shown(said[0]) == example.level.value, said
