"""The shared channel table by SMS: what the person reads first (tests/data/same_triage.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crampvoice.evaluation import Example, read_corpus
from tests.sms.conftest import Phone

TABLE = read_corpus(Path(__file__).parents[1] / "data" / "same_triage.tsv")


def shown(reply: str) -> str:
    if reply.startswith("Call 911 now"):
        return "emergency"
    return "urgent" if reply.startswith("Contact ") else "none"


@pytest.mark.parametrize("example", TABLE, ids=[e.text for e in TABLE])
def test_the_same_words_give_the_same_triage_by_sms(us_phone: Phone, example: Example) -> None:
    reply = us_phone.text(example.text)
    assert reply is not None
    assert shown(reply) == example.level.value, reply
