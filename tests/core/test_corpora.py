"""The labelled corpora are what `crampvoice eval` trusts: their shape and their split."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crampvoice.evaluation import read_corpus
from crampvoice.intents import Intent

DATA = Path(__file__).parents[1] / "data"
CORPORA = (
    "triage_corpus.tsv", "triage_holdout.tsv", "red_team.tsv", "red_team_2.tsv",
    "red_team_3.tsv", "red_team_4.tsv", "real_dev.tsv", "real_holdout.tsv",
)
#: Answers a row may accept: the intents, and the topics named as answers of their own.
ANSWERS = {intent.value for intent in Intent} | {"restless_legs"}


def held_out_by_source(source: str) -> bool:
    """The real messages are split by page address, so one page never feeds both parts."""
    return int(hashlib.sha1(source.encode()).hexdigest(), 16) % 3 == 0


@pytest.mark.parametrize("corpus", CORPORA)
def test_every_row_has_a_level_a_text_and_known_answers(corpus: str) -> None:
    for example in read_corpus(DATA / corpus):
        assert example.text.strip(), example
        assert example.intents <= ANSWERS, example


@pytest.mark.parametrize("corpus", ["real_dev.tsv", "real_holdout.tsv"])
def test_real_messages_carry_their_address_and_follow_the_split(corpus: str) -> None:
    examples = read_corpus(DATA / corpus)
    assert all(e.source.startswith(("http://", "https://")) for e in examples)
    assert {held_out_by_source(e.source) for e in examples} == {corpus == "real_holdout.tsv"}


def test_no_message_is_in_two_corpora() -> None:
    seen: dict[str, str] = {}
    for corpus in CORPORA:
        for example in read_corpus(DATA / corpus):
            key = " ".join(example.text.lower().split())
            assert key not in seen or seen[key] == corpus, (example.text, seen.get(key))
            seen[key] = corpus
