"""The SMS command words (`shared/commands/en.toml`): checked at load, and matched on
whole messages only. Rows written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from crampvoice.content import ContentError, library
from crampvoice.texting import commands

WORDS = commands.load()


@pytest.mark.parametrize("body", [
    "stop please", "Stop, please!", "QUIT TEXTING", "opt out", "Remove me.", "cancel",
    "Don't text me again", "dont text me again",
])
def test_natural_opt_outs_are_stop(body: str) -> None:
    assert WORDS.is_stop(body)


@pytest.mark.parametrize("body", ["my cramp won't stop", "how do I stop a cramp", "yes",
                                  "please stop the pain in my calf", "end"])
def test_other_messages_are_not(body: str) -> None:
    assert not WORDS.is_stop(body)


def test_only_the_confirmation_word_confirms_an_erasure() -> None:
    assert WORDS.confirms_erase("ERASE") and WORDS.confirms_erase(" erase. ")
    assert not any(WORDS.confirms_erase(w) for w in ("yes", "YES", "y", "start", "erase it all"))


def test_every_locale_names_the_confirmation_word() -> None:
    content = library()
    for locale in content.locales:
        sms = content.get(locale).system["delete_confirm"].sms
        assert any(word.upper() in sms for word in WORDS.erase), locale
        assert "YES" not in sms


@pytest.mark.parametrize(("text", "problem"), [
    ('[erase]\nconfirm = ["yes"]\n[stop]\nphrases = ["stop please"]\nmaybe = ["stop"]\n',
     "opt-in word"),
    ('[erase]\nconfirm = ["erase"]\n[stop]\nphrases = ["Stop Please"]\nmaybe = ["stop"]\n',
     "not written folded"),
    ('[erase]\nconfirm = ["erase"]\n[stop]\nphrases = ["stop please"]\nmaybe = ["stop"]\n'
     'extra = 1\n', "unknown key"),
    ('[erase]\nconfirm = ["erase"]\n[stop]\nphrases = []\nmaybe = ["stop"]\n', "list"),
    ('[erase]\nconfirm = ["erase"]\n[stop]\nphrases = ["erase"]\nmaybe = ["stop"]\n',
     "also listed"),
])
def test_a_broken_file_is_refused_at_load(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "en.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=problem):
        commands.load_commands(path)
