"""SMS command words as data (`shared/commands/<language>.toml`), checked at load: the
word that confirms DELETE (ERASE, never a bare YES) and the natural ways of saying STOP
("stop please", "quit texting", "remove me": STOP) or perhaps meaning it (a message not
otherwise understood with "stop" in it: one clarifying reply).

    words = commands.load()
    words.is_stop("Stop, please!")      # True
    words.confirms_erase("ERASE")       # True; "yes" never does
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from crampvoice.content import ContentError, content_dir
from crampvoice.text import fold

LANGUAGE = "en"
#: Words that must never confirm an erasure: Twilio opts a number back in on them.
OPT_IN_WORDS = frozenset({"yes", "start", "unstop", "y"})
_KEYS = {"erase": {"confirm"}, "stop": {"phrases", "maybe"}}
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


def normal(text: str) -> str:
    """A whole message as the lists are written: folded, punctuation dropped, spaces
    squeezed. Only the first 200 characters are read: a command is short."""
    folded = fold(text[:200]).replace("'", "")
    return " ".join(_NOT_WORD.sub(" ", folded).split())


@dataclass(frozen=True)
class Commands:
    erase: frozenset[str]
    stop: frozenset[str]
    maybe: tuple[str, ...]

    def confirms_erase(self, body: str) -> bool:
        return normal(body) in self.erase

    def is_stop(self, body: str) -> bool:
        return normal(body) in self.stop

    def may_mean_stop(self, body: str) -> bool:
        words = f" {normal(body)} "
        return any(f" {word} " in words for word in self.maybe)


def _phrases(path: Path, raw: dict[str, object], table: str, key: str) -> list[str]:
    value = raw.get(table, {})
    found = value.get(key) if isinstance(value, dict) else None
    if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
        raise ContentError(str(path), f"{table}.{key}", "must be a list of phrases")
    for phrase in found:
        if normal(phrase) != phrase:
            raise ContentError(str(path), f"{table}.{key}", f"{phrase!r} is not written folded")
    return found


def load_commands(path: Path) -> Commands:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ContentError(str(path), "", str(error)) from None
    for table, value in raw.items():
        if table not in _KEYS or not isinstance(value, dict):
            raise ContentError(str(path), table, "unknown table")
        for key in value:
            if key not in _KEYS[table]:
                raise ContentError(str(path), f"{table}.{key}", "unknown key")
    erase = _phrases(path, raw, "erase", "confirm")
    stop = _phrases(path, raw, "stop", "phrases")
    maybe = _phrases(path, raw, "stop", "maybe")
    if OPT_IN_WORDS & set(erase):
        raise ContentError(str(path), "erase.confirm", "an opt-in word cannot confirm erasure")
    if set(erase) & set(stop):
        raise ContentError(str(path), "erase.confirm", "also listed in stop.phrases")
    if len(set(stop)) != len(stop):
        raise ContentError(str(path), "stop.phrases", "a phrase is listed twice")
    return Commands(frozenset(erase), frozenset(stop), tuple(maybe))


@functools.cache
def load(language: str = LANGUAGE) -> Commands:
    """The command words of a language, loaded and checked once per process."""
    return load_commands(content_dir() / "commands" / f"{language}.toml")
