"""Normalising what people type or say, for triage: tokens, clauses, base forms, spelling.

Two well-kept, offline libraries do the work a field has already solved:
- simplemma (lemmas, and whether a word is a known word of the language);
- rapidfuzz (edit distance, for correcting a typo toward the product's own vocabulary).

Spelling is corrected toward the domain vocabulary and never away from it: a word the
language knows ("stolen") is left alone; an unknown one ("swolen") becomes the closest
domain word with the same first letter within one edit (two for long words). A small
table per language ([lemmas] in shared/triage/<language>.toml) wins over the lemmatizer
where it is wrong for this vocabulary ("calves" -> "calf", not "calve").

simplemma loads its dictionary on first use (about 0.2 s), not at import, so a cold
start that answers from a platform intent pays nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crampvoice.text import fold

#: Words and numbers ("38.5"), and the punctuation that bounds clauses and segments.
#: A dash between spaces, a colon and brackets part a clause the way a comma does
#: ("I haven't done it for years - I fainted"); a hyphen inside a word does not.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+|[.!?;,\n]|\s[-\u2013\u2014]+\s|[:()]")
CLAUSE_END = frozenset({".", "!", "?", ";", "\n"})
MAX_CACHE = 50_000


@dataclass(frozen=True)
class Token:
    raw: str  # as typed (folded)
    lemma: str
    clause: int
    comma_before: bool  # a comma stands right before this word


@dataclass(frozen=True)
class Reading:
    """A message as triage reads it."""

    clauses: tuple[tuple[Token, ...], ...]
    folded: str
    question: bool  # has "?" or starts with a question word


class Normaliser:
    """Base forms and spelling for one language, cached per word."""

    def __init__(self, language: str, lemmas: Mapping[str, str], vocabulary: Iterable[str]):
        self.language = language
        self.lemmas = dict(lemmas)
        words = {w for w in vocabulary if w.isalpha()}
        self._vocabulary = frozenset(words) | frozenset(self.lemmas)
        by_letter: dict[str, list[str]] = {}
        for word in sorted(self._vocabulary):
            if len(word) >= 3:
                by_letter.setdefault(word[0], []).append(word)
        self._by_letter = {letter: tuple(ws) for letter, ws in by_letter.items()}
        self._cache: dict[str, str] = {}
        self._simplemma: Any = None

    def _library(self) -> Any:
        if self._simplemma is None:
            import simplemma  # loaded on first use: see the module docstring

            self._simplemma = simplemma
        return self._simplemma

    def base(self, word: str) -> str:
        """The base form of a known word, with the per-language table first."""
        if word in self.lemmas:
            return self.lemmas[word]
        if not word.isalpha():
            return word
        lemma: str = self._library().lemmatize(word, lang=self.language)
        return lemma.lower()

    def lemma(self, word: str) -> str:
        """The base form of a word as typed, after correcting a typo toward the vocabulary."""
        cached = self._cache.get(word)
        if cached is None:
            cached = self._lemma(word)
            if len(self._cache) < MAX_CACHE:  # bounded: words come from strangers
                self._cache[word] = cached
        return cached

    def _lemma(self, word: str) -> str:
        if word in self.lemmas or word in self._vocabulary or not word.isalpha():
            return self.base(word)
        if len(word) < 4 or self._library().is_known(word, lang=self.language):
            return self.base(word)
        corrected = self.correct(word)
        return self.base(corrected or word)

    def correct(self, word: str) -> str | None:
        """The closest vocabulary word (same first letter, one edit; two from 8 letters)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        choices = self._by_letter.get(word[0], ())
        limit = 2 if len(word) >= 8 else 1
        found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        return None if found is None else str(found[0])

    def words(self, text: str) -> list[str]:
        """Base forms of a phrase (used to compile the vocabulary's own terms)."""
        return [self.base(w) for w in _TOKEN.findall(fold(text)) if w[0].isalnum()]

    def read(self, text: str, question_words: frozenset[str]) -> Reading:
        folded = fold(text)
        clauses: list[tuple[Token, ...]] = []
        current: list[Token] = []
        comma = False
        for piece in _TOKEN.findall(folded):
            if piece in CLAUSE_END:
                if current:
                    clauses.append(tuple(current))
                current, comma = [], False
            elif not (piece[0].isalnum()):  # a comma, a spaced dash, a colon, a bracket
                comma = True
            else:
                current.append(Token(piece, self.lemma(piece), len(clauses), comma))
                comma = False
        if current:
            clauses.append(tuple(current))
        first = clauses[0][0].raw if clauses else ""
        question = "?" in folded or first in question_words
        return Reading(tuple(clauses), folded, question)


def typed_words(text: str) -> list[str]:
    """The words of a phrase as typed (folded), split as messages are."""
    return [w for w in _TOKEN.findall(fold(text)) if w[0].isalnum()]
