"""`[slots.X]` in the phrasings: validated at load, and no effect on understanding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crampvoice.content import ContentError, content_dir
from crampvoice.engine import Core
from crampvoice.triage import words as triage_words
from crampvoice.understanding import Understander, load_phrasings

PHRASINGS = content_dir() / "phrasings" / "en.toml"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "triage_corpus.tsv"


def without_slots(text: str) -> str:
    return re.split(r"(?m)^# -+ speaker slots", text)[0]


def load(tmp_path: Path, slots: str) -> None:
    path = tmp_path / "en.toml"
    path.write_text(without_slots(PHRASINGS.read_text(encoding="utf-8")) + slots, encoding="utf-8")
    load_phrasings(path, "en")


def test_the_shipped_slots_load() -> None:
    slots = Core.default().understander.phrasings.slots
    assert {"symptom", "body_part"} <= set(slots)
    values = dict(slots["symptom"].values)
    assert "trouble breathing" in values["short of breath"]
    assert all("{symptom}" in sample for sample in slots["symptom"].samples)


def test_slots_do_not_change_how_messages_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "en.toml"
    path.write_text(without_slots(PHRASINGS.read_text(encoding="utf-8")), encoding="utf-8")
    core = Core.default()
    bare = Understander(
        load_phrasings(path, "en", triage_words("en")), core.understander.topic_intents
    )
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    messages = [line.split("\t")[2] for line in lines[1:] if line and not line.startswith("#")]
    assert len(messages) > 100
    for message in messages:
        assert bare.understand(message) == core.understand(message), message


@pytest.mark.parametrize(
    ("slots", "key"),
    [
        ("[slots.Symptom]\nvalues = { a = [] }\n", "slots.Symptom"),
        ("[slots.symptom]\nvalues = {}\n", "slots.symptom.values"),
        ('[slots.symptom]\nvalues = { a = [] }\ncolour = "red"\n', "slots.symptom.colour"),
        ('[slots.symptom]\nvalues = { "3 days" = [] }\n', "slots.symptom.values.3 days"),
        ('[slots.symptom]\nvalues = { red = ["Red"] }\n', "slots.symptom.values.red"),
        ('[slots.symptom]\nvalues = { red = "crimson" }\n', "slots.symptom.values.red"),
        (
            '[slots.symptom]\nvalues = { red = [] }\nsamples = ["my leg is red"]\n',
            "slots.symptom.samples",
        ),
        (
            '[slots.symptom]\nvalues = { red = [] }\nsamples = ["my {leg} is {symptom}"]\n',
            "slots.symptom.samples",
        ),
        (
            '[slots.symptom]\nvalues = { red = [] }\nsamples = ["{symptom} and {symptom}"]\n',
            "slots.symptom.samples",
        ),
        (
            '[slots.symptom]\nvalues = { red = [] }\nsamples = ["{symptom} for 2 days"]\n',
            "slots.symptom.samples",
        ),
    ],
)
def test_a_bad_slot_table_is_refused_naming_the_key(tmp_path: Path, slots: str, key: str) -> None:
    with pytest.raises(ContentError) as caught:
        load(tmp_path, "\n" + slots)
    assert caught.value.file == "phrasings/en.toml"
    assert caught.value.key == key
