"""Understanding free text: which intent, and which topic of advice, a message is about.

Deterministic and fast: phrasings (shared/phrasings/<language>.toml) give whole-message
commands, synonyms, and weighted cues per topic. The topic with the highest total
wins. There is no default answer: a statement that only mentions a cramp is a cramp
happening now, but a question nothing fits is not understood (the reply says so, offers
the menu and the danger signs), never relief steps to a question about something else.
A topic may name `context` words: it only wins when one of them is in the message ("is
it safe to fly?" is not a question about leg cramps).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crampvoice.content import ContentError, content_dir, read_toml
from crampvoice.intents import Intent
from crampvoice.text import Vocabulary, find, fold, raw_tokens

MIN_SCORE = 2.0
#: Words that make a message about leg cramps even when no topic cue wins.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
CRAMP_WORDS = frozenset({"cramp", "charley", "spasm"})


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    topic: str | None
    score: float
    tokens: tuple[str, ...]

    @property
    def guessed(self) -> bool:
        """Relief steps because cramps were named and nothing was asked, not a cue."""
        return self.intent is Intent.RELIEF_NOW and self.score < MIN_SCORE


@dataclass(frozen=True)
class TopicCues:
    key: str
    cues: tuple[tuple[tuple[str, ...], float], ...]
    samples: tuple[str, ...]
    context: frozenset[str] = frozenset()
    #: Phrases in which this topic's cues mean something else ("waters broke", "water
    #: retention" are not about drinking water).
    exclude: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class SlotType:
    """Words a speaker platform passes through as said (an Alexa custom slot type).

    Not used to classify: the adapter hands what was said to the core as text.
    """

    name: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # (value, synonyms)
    samples: tuple[str, ...]  # utterances with {slot} placeholders, each naming this slot


@dataclass(frozen=True)
class Phrasings:
    language: str
    synonyms: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    commands: Mapping[tuple[str, ...], Intent]
    topics: Mapping[str, TopicCues]
    vocabulary: Vocabulary
    slots: Mapping[str, SlotType] = field(default_factory=dict)
    #: Words that make a message a question when it starts with one ("?" does too).
    question_words: frozenset[str] = frozenset()


class Understander:
    """Classifies messages against one language's phrasings and topic→intent map."""

    def __init__(self, phrasings: Phrasings, topic_intents: Mapping[str, Intent]) -> None:
        missing = sorted(set(topic_intents) - set(phrasings.topics))
        if missing:
            raise ContentError(
                f"phrasings/{phrasings.language}.toml", f"topics.{missing[0]}", "missing"
            )
        extra = sorted(set(phrasings.topics) - set(topic_intents))
        if extra:
            raise ContentError(
                f"phrasings/{phrasings.language}.toml",
                f"topics.{extra[0]}",
                "no such topic in the content",
            )
        self.phrasings = phrasings
        self.topic_intents = dict(topic_intents)
        self._order = {key: index for index, key in enumerate(phrasings.topics)}
        # Cues indexed by their first word, so a message only tries cues that can match.
        self._cues: dict[str, list[tuple[str, tuple[str, ...], float]]] = {}
        for topic in phrasings.topics.values():
            for phrase, weight in topic.cues:
                self._cues.setdefault(phrase[0], []).append((topic.key, phrase, weight))

    def tokens(self, text: str) -> list[str]:
        """Lemmas of a message with synonyms applied."""
        tokens = self.phrasings.vocabulary.tokens(text)
        present = set(tokens)  # every word that is or was in `tokens`: a cheap first test
        for phrase, replacement in self.phrasings.synonyms:
            if phrase[0] not in present:
                continue
            present.update(replacement)
            start = find(tokens, phrase)
            while start >= 0:
                tokens[start : start + len(phrase)] = replacement
                start = find(tokens, phrase, start + len(replacement))
        return tokens

    def understand(self, text: str) -> Understanding:
        tokens = self.tokens(text)
        key = tuple(tokens)
        if not tokens:
            return Understanding(Intent.FALLBACK, None, 0.0, key)
        command = self.phrasings.commands.get(key)
        if command is not None:
            default = command.value if command.value in self.topic_intents else None
            return Understanding(command, default, 10.0, key)

        words = set(tokens)
        # What a longer message asks is in its question: "...my calves. Could these cramps
        # have anything to do with the way I walk?" is read for the question first, and
        # the story around it decides only when the question alone says nothing we know.
        sentences = _SENTENCE.findall(fold(text))
        asked = [part for part in sentences if len(sentences) > 1 and "?" in part]
        best_score = 0.0
        for focus in ([self.tokens(" ".join(asked))] if asked else []) + [tokens]:
            best, best_score = self._best(focus, words)
            if best is not None and best_score >= MIN_SCORE:
                return Understanding(self.topic_intents[best], best, best_score, key)
        question = "?" in text or tokens[0] in self.phrasings.question_words
        if CRAMP_WORDS.intersection(tokens) and not question:
            return Understanding(Intent.RELIEF_NOW, Intent.RELIEF_NOW.value, best_score, key)
        return Understanding(Intent.FALLBACK, None, best_score, key)


    def _excluded(self, topic: str, tokens: tuple[str, ...], start: int, end: int) -> bool:
        """Whether the cue at tokens[start:end] lies in one of the topic's `exclude` phrases."""
        for phrase in self.phrasings.topics[topic].exclude:
            for at in range(max(0, end - len(phrase)), min(start, len(tokens) - len(phrase)) + 1):
                if tokens[at : at + len(phrase)] == phrase:
                    return True
        return False

    def _best(self, tokens: list[str], words: set[str]) -> tuple[str | None, float]:
        """The topic whose cues weigh most in `tokens` (its context found in `words`)."""
        key = tuple(tokens)
        matched: set[tuple[str, tuple[str, ...]]] = set()
        scores: dict[str, float] = {}
        for start, token in enumerate(tokens):
            for topic, phrase, weight in self._cues.get(token, ()):
                if (topic, phrase) not in matched and key[start : start + len(phrase)] == phrase:
                    if self._excluded(topic, key, start, start + len(phrase)):
                        continue
                    matched.add((topic, phrase))  # each cue counts once
                    scores[topic] = scores.get(topic, 0.0) + weight
        for topic in list(scores):
            context = self.phrasings.topics[topic].context
            if context and not context & words:
                del scores[topic]
        best, best_score = None, 0.0
        for topic, score in scores.items():
            if score > best_score or (
                score == best_score and best is not None and self._order[topic] < self._order[best]
            ):
                best, best_score = topic, score
        return best, best_score


# --------------------------------------------------------------------------- loading


@functools.cache
def phrasings(language: str = "en", extra_words: frozenset[str] = frozenset()) -> Phrasings:
    return load_phrasings(content_dir() / "phrasings" / f"{language}.toml", language, extra_words)


def load_phrasings(path: Path, language: str, extra_words: Iterable[str] = ()) -> Phrasings:
    name = f"phrasings/{path.name}"
    raw = read_toml(path, name)
    for key in raw:
        if key not in {"synonyms", "commands", "words", "topics", "slots"}:
            raise ContentError(name, key, "unknown key")

    # The vocabulary is every word the phrasings use, plus words other parts of the core
    # need recognised (triage), so typo correction aims at them.
    words: set[str] = set(extra_words)
    for replacement in raw.get("synonyms", {}).values():
        words.update(raw_tokens(replacement))
    for forms in raw.get("commands", {}).values():
        for form in forms:
            words.update(raw_tokens(form))
    for topic in raw.get("topics", {}).values():
        for cue in topic.get("cues", {}):
            words.update(raw_tokens(cue))
    common = raw_tokens(raw.get("words", {}).get("common", ""))
    synonym_words = {t for phrase in raw.get("synonyms", {}) for t in raw_tokens(phrase)}
    vocabulary = Vocabulary.build(words, protected=set(common) | synonym_words)

    synonyms = tuple(
        sorted(
            (
                (tuple(vocabulary.tokens(phrase)), tuple(vocabulary.tokens(replacement)))
                for phrase, replacement in raw.get("synonyms", {}).items()
            ),
            key=lambda pair: -len(pair[0]),
        )
    )

    commands: dict[tuple[str, ...], Intent] = {}
    for intent_name, forms in raw.get("commands", {}).items():
        try:
            intent = Intent(intent_name)
        except ValueError:
            raise ContentError(name, f"commands.{intent_name}", "unknown intent") from None
        for form in forms:
            tokens = tuple(_apply(vocabulary.tokens(form), synonyms)) or ("?",)
            commands.setdefault(tokens, intent)

    topics: dict[str, TopicCues] = {}
    for key, table in raw.get("topics", {}).items():
        unknown = set(table) - {"cues", "samples", "context", "exclude"}
        if unknown:
            raise ContentError(name, f"topics.{key}.{sorted(unknown)[0]}", "unknown key")
        cues: dict[tuple[str, ...], float] = {}
        for cue, weight in table.get("cues", {}).items():
            if not isinstance(weight, int | float) or weight <= 0:
                raise ContentError(name, f"topics.{key}.cues.{cue}", "weight must be positive")
            # Cues that synonyms make identical ("at night", "in bed") count once.
            phrase = tuple(_apply(vocabulary.tokens(cue), synonyms))
            cues[phrase] = max(cues.get(phrase, 0.0), float(weight))
        samples = table.get("samples", [])
        if not samples:
            raise ContentError(name, f"topics.{key}.samples", "at least one sample")
        context = frozenset(
            word for phrase in table.get("context", []) for word in vocabulary.tokens(phrase)
        )
        exclude = tuple(
            tuple(_apply(vocabulary.tokens(phrase), synonyms))
            for phrase in table.get("exclude", [])
        )
        topics[key] = TopicCues(key, tuple(cues.items()), tuple(samples), context, exclude)
    slots = _load_slots(raw.get("slots", {}), name)
    question_words = frozenset(raw_tokens(raw.get("words", {}).get("question", "")))
    return Phrasings(language, synonyms, commands, topics, vocabulary, slots, question_words)


_SLOT_NAME = re.compile(r"[a-z][a-z_]*")
_SLOT_WORDS = re.compile(r"[A-Za-z][A-Za-z' .-]*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _load_slots(raw: Any, name: str) -> dict[str, SlotType]:
    """`[slots.<name>]`: `values = { value = [synonyms] }` and `samples` using {placeholders}."""
    if not isinstance(raw, dict):
        raise ContentError(name, "slots", "must be a table")
    slots: dict[str, SlotType] = {}
    for key, table in raw.items():
        where = f"slots.{key}"
        if not _SLOT_NAME.fullmatch(key):
            raise ContentError(name, where, "slot names are lower case letters and _")
        if not isinstance(table, dict):
            raise ContentError(name, where, "must be a table")
        unknown = set(table) - {"values", "samples"}
        if unknown:
            raise ContentError(name, f"{where}.{sorted(unknown)[0]}", "unknown key")
        values = table.get("values")
        if not isinstance(values, dict) or not values:
            raise ContentError(name, f"{where}.values", "at least one value")
        seen: set[str] = set()
        parsed: list[tuple[str, tuple[str, ...]]] = []
        for value, synonyms in values.items():
            if not isinstance(synonyms, list):
                raise ContentError(name, f"{where}.values.{value}", "synonyms must be a list")
            for word in (value, *synonyms):
                if not isinstance(word, str) or not _SLOT_WORDS.fullmatch(word.strip()):
                    raise ContentError(
                        name, f"{where}.values.{value}", f"{word!r}: words only, no digits"
                    )
                if word.strip().lower() in seen:
                    raise ContentError(name, f"{where}.values.{value}", f"{word!r} twice")
                seen.add(word.strip().lower())
            parsed.append((value.strip(), tuple(s.strip() for s in synonyms)))
        samples = table.get("samples", [])
        if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples):
            raise ContentError(name, f"{where}.samples", "must be a list of strings")
        slots[key] = SlotType(key, tuple(parsed), tuple(samples))
    for key, slot in slots.items():
        for sample in slot.samples:
            used = _PLACEHOLDER.findall(sample)
            where = f"slots.{key}.samples"
            if key not in used:
                raise ContentError(name, where, f"{sample!r} does not use {{{key}}}")
            for slot_name in used:
                if slot_name not in slots:
                    raise ContentError(name, where, f"{sample!r}: no slot {{{slot_name}}}")
            if len(set(used)) != len(used):
                raise ContentError(name, where, f"{sample!r}: a slot used twice")
            if not _SLOT_WORDS.fullmatch(_PLACEHOLDER.sub("x", sample)):
                raise ContentError(name, where, f"{sample!r}: words only, no digits")
    return slots


def _apply(
    tokens: list[str], synonyms: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
) -> list[str]:
    for phrase, replacement in synonyms:
        start = find(tokens, phrase)
        while start >= 0:
            tokens[start : start + len(phrase)] = replacement
            start = find(tokens, phrase, start + len(replacement))
    return tokens
