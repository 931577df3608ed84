"""Turning what people type or say into tokens the core can match.

Shared by understanding and triage: lower-casing, contractions, apostrophe-less
forms ("cant", "isnt"), vocabulary-driven lemmas ("calves" -> "calf"), and typo
correction against a known vocabulary ("swolen" -> "swollen").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from crampvoice import gsm

_CONTRACTIONS = [
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    (
        re.compile(r"\b(is|are|was|were|do|does|did|has|have|had|could|would|should|must)n'?t\b"),
        r"\1 not",
    ),
    (re.compile(r"\b(it|that|there|what|he|she|who|where|here)'?s\b"), r"\1 is"),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\bi'?ve\b"), "i have"),
    (re.compile(r"\b(you|we|they)'re\b"), r"\1 are"),
    (re.compile(r"\b(i|you|we|they|it|she|he)'ll\b"), r"\1 will"),
    (re.compile(r"\b(i|you|we|they|it|she|he)'d\b"), r"\1 would"),
    (re.compile(r"'s\b"), ""),
]
_TOKEN = re.compile(r"[a-z0-9]+")
_CLAUSE_END = re.compile(r"[.!?;\n]+|\s-\s")

# Irregular forms the suffix rules cannot reach.
_IRREGULAR = {
    "calves": "calf",
    "feet": "foot",
    "teeth": "tooth",
    "women": "woman",
    "children": "child",
    "knives": "knife",
    "lying": "lie",
    "fell": "fall",
    "fallen": "fall",
    "felt": "feel",
    "woke": "wake",
    "slept": "sleep",
    "ate": "eat",
    "drank": "drink",
    "gave": "give",
    "worse": "bad",
    "worst": "bad",
    # Kept whole: the base form means something else ("spotting" is bleeding, a "spot" is not).
    "spotting": "spotting",
}


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower-case, typographic look-alikes folded, accents stripped, contractions expanded."""
    text = gsm.fold(text).lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("`", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def raw_tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def clauses(text: str) -> list[str]:
    """Sentences and similar stretches of a message, folded."""
    return [part for part in _CLAUSE_END.split(fold(text)) if part.strip()]


def _candidates(token: str) -> Iterable[str]:
    """Base forms a token may be an inflection of, most likely first."""
    if token in _IRREGULAR:
        yield _IRREGULAR[token]
    if token.endswith("ies") and len(token) > 4:
        yield token[:-3] + "y"
    if token.endswith("es") and len(token) > 4:
        yield token[:-2]
    if token.endswith("s") and not token.endswith("ss") and len(token) > 3:
        yield token[:-1]
    for suffix in ("ing", "ed", "er", "ly", "y"):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            stem = token[: -len(suffix)]
            yield stem
            yield stem + "e"
            if len(stem) > 2 and stem[-1] == stem[-2]:
                yield stem[:-1]
            if stem.endswith("i"):
                yield stem[:-1] + "y"


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Vocabulary:
    """Words the product knows, with an index for one-edit typo correction."""

    known: frozenset[str]
    protected: frozenset[str]
    _index: dict[str, tuple[str, ...]]
    _lemmas: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, known: Iterable[str], protected: Iterable[str] = ()) -> Vocabulary:
        words = frozenset(known)
        index: dict[str, list[str]] = {}
        for word in sorted(words):
            if len(word) < 3 or word.isdigit():
                continue
            for key in {word, *_deletions(word)}:
                index.setdefault(key, []).append(word)
        return cls(
            known=words,
            protected=frozenset(protected) | words,
            _index={key: tuple(value) for key, value in index.items()},
        )

    def lemma(self, token: str) -> str:
        """The known word this token stands for: itself, a base form, or a one-edit correction."""
        cached = self._lemmas.get(token)
        if cached is None:
            cached = self._lemma(token)
            if len(self._lemmas) < 50_000:  # bounded: tokens come from strangers' messages
                self._lemmas[token] = cached
        return cached

    def _lemma(self, token: str) -> str:
        # Known inflections reduce to their known base ("hurts" -> "hurt"), so a pattern
        # written with either form matches both.
        for base in _candidates(token):
            if base in self.known:
                return base
        if token in self.known:
            return token
        if token in self.protected or len(token) < 4 or token.isdigit():
            return token
        corrected = self._correct(token)
        return self.lemma(corrected) if corrected else token

    def _correct(self, token: str) -> str | None:
        found: list[str] = []
        for key in (token, *_deletions(token)):
            for word in self._index.get(key, ()):
                # Typos rarely change the first letter; "touch" is not "ouch".
                if word not in found and word[0] == token[0] and _one_edit(token, word):
                    found.append(word)
        if not found:
            return None
        found.sort(key=lambda w: (-len(w), w))  # the longest is the most specific
        return found[0]

    def tokens(self, text: str) -> list[str]:
        return [self.lemma(token) for token in raw_tokens(text)]


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def find(tokens: list[str], phrase: tuple[str, ...], start: int = 0) -> int:
    """Index of the first occurrence of `phrase` in `tokens` at or after `start`, or -1."""
    n = len(phrase)
    first = phrase[0]
    for i in range(start, len(tokens) - n + 1):
        if tokens[i] == first and tuple(tokens[i : i + n]) == phrase:
            return i
    return -1
