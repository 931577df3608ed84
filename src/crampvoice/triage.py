"""Red-flag triage (../shared/clinical-reference.md section 5), run on every message.

Concepts, not phrases. The words for each concept, the scope cues and the rules are
data per language (shared/triage/<language>.toml, described at its top); this module
is the language-neutral reader:

1. `language.Normaliser` turns the message into clauses of base forms, typos corrected.
2. Every concept's terms are matched in every clause; a term inside an `exclude` phrase
   of its concept is another sense of the word ("icy hot"), and a finding or modifier
   inside a longer match of another one is part of it ("faint" in "feel faint").
3. Scope (NegEx / ConText): negated, hypothetical, someone else's, or in the past.
4. Findings are bound to sites; the reported concepts become atoms (`pain@leg`).
5. Rules over atoms give the level, the highest wins; doubt asks one safety question.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from crampvoice.content import ContentError, content_dir, read_toml
from crampvoice.language import Normaliser, Reading, Token, typed_words


class Level(StrEnum):
    NONE = "none"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def escalates(self) -> bool:
        """Emergency and urgent replies lead with the escalation and nothing else."""
        return self.rank >= _RANK[Level.URGENT]


_RANK = {Level.NONE: 0, Level.ROUTINE: 1, Level.URGENT: 2, Level.EMERGENCY: 3}


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[str, ...] = ()
    ask: str | None = None  # a safety question worth asking (a [[doubt]] `ask`)
    #: Danger signs were named, but as a question or a story, not as a report.
    informational: bool = False
    #: Distress with no topic ("help me", "it won't stop").
    distress: bool = False
    question: bool = False
    #: Every concept named, in any scope (what the message is about, for routing).
    concepts: frozenset[str] = frozenset()
    #: What was reported (`pain@leg`, `no:swelling`...).
    atoms: frozenset[str] = frozenset()
    words: int = 0  # how many words the message has


NONE = Assessment(Level.NONE)

KINDS = frozenset({"site", "finding", "modifier", "context"})
#: Concepts that bind to a site (`pain@leg`).
_BOUND = frozenset({"finding", "modifier"})
MAX_GAP = 4
NEGATION_REACH = 5
MAX_LIST_ITEMS = 4  # a negated list goes on for at most this many more items
SITE_REACH = 4
#: At most this many words between two places of one that runs to the next ("from my
#: back all the way round the bottom of my belly").
RANGE_REACH = 8
_AND = frozenset({"and", "or", "&"})  # between two sites said together
BELIEF_REACH = 3  # words before an outcome that can make it a belief ("I was sure ...")
OPENING_REACH = 2  # words after an outcome that can open a complaint ("... fine until")
PRESENT_REACH = 5  # a word of the present tense this close to a finding keeps it happening now


# --------------------------------------------------------------------------- terms

Part = frozenset[str] | None  # None: a gap of up to MAX_GAP words


@dataclass(frozen=True)
class Term:
    parts: tuple[Part, ...]


class Words(Protocol):
    """What compiles a term's words: a `Normaliser` (base forms) or `AsTyped`."""

    def words(self, text: str) -> list[str]: ...


class AsTyped:
    """Terms compiled word for word, for cues whose tense matters ("I had a stroke")."""

    def words(self, text: str) -> list[str]:
        return typed_words(text)


def _compile(term: str, normaliser: Words) -> Term:
    parts: list[Part] = []
    for piece in term.replace("-", " ").split():  # "pre-eclampsia" is two words, as typed
        if piece == "*":
            parts.append(None)
            continue
        alternatives: set[str] = set()
        for word in piece.split("|"):
            # The word as written and its base form: the lemmatizer is not always
            # consistent between a form and its plural ("tightening", "tightenings").
            alternatives.update(normaliser.words(word))
            alternatives.update(w for w in word.split() if w.isalnum())
        parts.append(frozenset(alternatives))
    if not parts or parts[0] is None or parts[-1] is None:
        raise ValueError(f"{term!r}: a term starts and ends with a word")
    return Term(tuple(parts))


def _match(
    words: Sequence[str], parts: tuple[Part, ...], start: int, stops: frozenset[str] = frozenset()
) -> int:
    """End (exclusive) of `parts` matched at `start`, or -1. A gap never passes a word of
    `stops` (a negation: "my palms are not itchy" is no "palms * itchy")."""
    i, k = start, 0
    while k < len(parts):
        part = parts[k]
        if part is None:
            following = parts[k + 1]
            assert following is not None
            for gap in range(MAX_GAP + 1):
                if i + gap >= len(words) or (gap and words[i + gap - 1] in stops):
                    return -1
                if words[i + gap] in following:
                    i += gap + 1
                    k += 2
                    break
            else:
                return -1
            continue
        if i >= len(words) or words[i] not in part:
            return -1
        i += 1
        k += 1
    return i


def _check_term(term: str) -> None:
    """The shape of a term, checked at load without the lemmatizer."""
    pieces = term.split()
    if not pieces or pieces[0] == "*" or pieces[-1] == "*":
        raise ValueError(f"{term!r}: a term starts and ends with a word")
    if any(p != "*" and not all(p.split("|")) for p in pieces):
        raise ValueError(f"{term!r}: an empty alternative")
    if any(a == b == "*" for a, b in itertools.pairwise(pieces)):
        raise ValueError(f"{term!r}: two gaps in a row")


class Matcher:
    """Finds named terms in a clause's words, indexed by their first word, and terms whose
    second part is a word also by their second: a clause only tries the terms its own
    word pairs can start ("i have" tries far fewer terms than every term that starts "i").

    Terms are compiled (their words reduced to base forms) on first use, so that a
    process that never reads free text never loads the lemmatizer's dictionary.
    """

    def __init__(
        self,
        named: Iterable[tuple[str, str]],
        normaliser: Words,
        gap_stops: frozenset[str] = frozenset(),
    ) -> None:
        self._named = tuple(named)
        self._normaliser = normaliser
        self._stops = gap_stops  # words no gap passes (`_match`)
        self._index: tuple[_Index, _PairIndex] | None = None
        self._lock = threading.Lock()

    def _compiled(self) -> tuple[_Index, _PairIndex]:
        with self._lock:
            if self._index is None:
                single: _Index = {}  # first word -> terms that are one word, or a gap next
                pairs: _PairIndex = {}  # (first, second) -> terms of two words or more
                for order, (name, phrase) in enumerate(self._named):
                    term = _compile(phrase, self._normaliser)
                    first = term.parts[0]
                    assert first is not None
                    second = term.parts[1] if len(term.parts) > 1 else None
                    for word in first:
                        if second is None:
                            single.setdefault(word, []).append((order, name, term))
                        else:
                            for following in second:
                                pairs.setdefault((word, following), []).append(
                                    (order, name, term)
                                )
                self._index = (single, pairs)
            return self._index

    def find(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        single, pairs = self._index if self._index is not None else self._compiled()
        found: list[tuple[str, int, int]] = []
        last = len(words) - 1
        for start, word in enumerate(words):
            candidates = single.get(word, ())
            if start < last:
                paired = pairs.get((word, words[start + 1]))
                if paired:  # in the terms' order, as one index would give them
                    candidates = sorted([*candidates, *paired], key=_ORDER) if candidates \
                        else paired
            for _, name, term in candidates:
                end = _match(words, term.parts, start, self._stops)
                if end > 0:
                    found.append((name, start, end))
        return found


_Index = dict[str, list[tuple[int, str, Term]]]
_PairIndex = dict[tuple[str, str], list[tuple[int, str, Term]]]
_ORDER = operator.itemgetter(0)  # a term's place in the vocabulary file


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Concept:
    name: str
    kind: str
    plural_terms: frozenset[str] = frozenset()  # site words that name both sides as plurals
    #: A modifier of where (one side, both sides): also said of a finding that takes its
    #: site from the clause the modifier is said in ("My ankles swell. It hurts to walk.").
    place: bool = False
    #: A lowering modifier that gives way to a raising one said of the same mention
    #: ("light at first then heavy"): a word of degree, not of time.
    yields: bool = False
    #: A modifier that says a finding came back or got worse: told after the end of a
    #: story, even in the past tense, it reopens the finding it is said of ("The doctor
    #: said it was a pulled muscle. Then it got worse").
    reopens: bool = False


@dataclass(frozen=True)
class Condition:
    """Every item of `all` is present (items are alternatives), no item of `none` is."""

    all: tuple[frozenset[str], ...]
    none: tuple[frozenset[str], ...] = ()

    def holds(self, atoms: frozenset[str]) -> bool:
        return all(item & atoms for item in self.all) and not any(
            item & atoms for item in self.none
        )


@dataclass(frozen=True)
class Rule:
    level: Level
    reason: str
    when: Condition


@dataclass(frozen=True)
class Doubt:
    ask: str
    yes: Level
    reason: str
    when: Condition


@dataclass(frozen=True)
class Numbers:
    fever_celsius: float
    fever_fahrenheit: float
    long_cramp_minutes: float
    minute_words: frozenset[str]
    hour_words: frozenset[str]
    temperature_words: frozenset[str]
    bp_separators: frozenset[str] = frozenset({"/"})
    bp_systolic: float = 140
    bp_diastolic: float = 90
    #: Pads soaked or changed by the hour: from `pads_per_hour`, heavy bleeding.
    pad_words: frozenset[str] = frozenset()
    times_words: frozenset[str] = frozenset()  # "3 times in 2 hours"
    every_words: frozenset[str] = frozenset()  # "every 30 mins": one per period
    count_words: Mapping[str, float] = field(default_factory=dict)  # "two" -> 2, "a" -> 1
    pads_per_hour: float = 1.0
    #: Units of a temperature, read only right after a number ("38.5c", "39 degrees"):
    #: said alone, "c" is a c-section's.
    temperature_units: frozenset[str] = frozenset()
    #: Words after a number that make it something else ("38 weeks").
    not_temperature_after: frozenset[str] = frozenset()
    #: Words of the weather: a temperature in their sentence is the air's, not a fever
    #: ("38 degrees in Brisbane today"), unless the sentence names the person's own
    #: (`temperature_words`: "my temperature is 38.6 and the heat outside...").
    weather_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Vocabulary:
    """One language's triage data, compiled."""

    language: str
    concepts: Mapping[str, Concept]
    rules: tuple[Rule, ...]
    doubts: tuple[Doubt, ...]
    numbers: Numbers
    normaliser: Normaliser
    concept_terms: Matcher
    excludes: Matcher
    cues: Matcher  # scope cues, named by their scope
    typed_cues: Matcher  # story cues matched as typed
    question_words: frozenset[str]
    present: frozenset[str] = frozenset()  # words (as typed) that put a clause in the present
    not_present_after: frozenset[str] = frozenset()  # ...unless one of these is just before
    #: First words (as typed) of a clause that asks ("is", "what"): a question whole.
    asks: frozenset[str] = frozenset()
    #: Words (as typed) after a comma that go on with a question's examples ("like").
    examples: frozenset[str] = frozenset()
    #: Words (as typed) after which a question tells what is so ("is it bad that...").
    factive: frozenset[str] = frozenset()
    #: Conditionals (as typed) that always suppose ("what if"), and words (as typed) that
    #: make another one's clause a report ("is it bad if my calf has been red since...").
    supposing: frozenset[str] = frozenset()
    here_and_now: frozenset[str] = frozenset()
    #: Words (as typed) that keep a clause supposed ("would"): "if I had a clot it would".
    modals: frozenset[str] = frozenset()
    #: Words (as typed) where what someone else had ends: the person's own ("my chest").
    own_words: frozenset[str] = frozenset()
    #: Words (as typed) that, just before a finding, tell it as a report ("i fainted").
    speakers: frozenset[str] = frozenset()
    #: The one-word negation cues ("not", "no").
    negation_words: frozenset[str] = frozenset()
    #: Words (as typed) a negation passes on its way to what it negates ("no sign of").
    negation_fillers: frozenset[str] = frozenset()
    #: List words (as typed) that close a list, so a list after a comma goes on ("or").
    closing_list_words: frozenset[str] = frozenset()
    #: Words (as typed) that make an outcome a belief ("I was sure everything was fine").
    belief: frozenset[str] = frozenset()
    #: ...said right after it ("everything was fine I think", "a DVT in 2019 I guess").
    belief_after: frozenset[str] = frozenset()
    #: Words (as typed) just after an outcome that make it the calm before what went wrong.
    not_story_before: frozenset[str] = frozenset()
    #: First words (as typed) of a clause that goes on about the last finding told.
    goes_on: frozenset[str] = frozenset()
    #: Words as typed that may stand between "and" and the next site of a list ("my back
    #: and left calf", "hands and my feet").
    list_fillers: frozenset[str] = frozenset()
    #: Words as typed that make one place run to the next ("from my back round to my
    #: belly", "down into my foot"; at least one of them between the two places), and the
    #: words that may stand with them ("going", "all the way").
    range_words: frozenset[str] = frozenset()
    range_fillers: frozenset[str] = frozenset()
    #: Words as typed that tell a clause in the past ("was", "went"), word endings that do
    #: ("swelled"), and words with such an ending that do not ("red", "bleed").
    past_tense: frozenset[str] = frozenset()
    past_tense_endings: tuple[str, ...] = ()
    not_past_tense: frozenset[str] = frozenset()
    #: Modifiers that can lower a level (named in some rule's or doubt's `none`): where
    #: what they are said of is a guess, they are said only of the likelier finding.
    lowering: frozenset[str] = frozenset()
    #: For each lowering modifier, the modifiers a rule raises with while it lowers with it
    #: (heavy against light): said of the same mention, the raising one wins.
    outweighed_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Concepts that make a message about legs, and about something else ([routing]).
    legs: frozenset[str] = frozenset()
    elsewhere: frozenset[str] = frozenset()
    long_message_words: int = 14
    #: (concept, topic, unless): a message naming the concept is about that topic.
    topics: tuple[tuple[str, str, frozenset[str]], ...] = ()
    words: frozenset[str] = field(default=frozenset())  # every word the data uses


#: Story cues matched on the words as typed, not their base forms ("had", not "have").
_AS_TYPED = "story_as_typed"
_TOLD = "told"  # a cue of `story_as_typed`, as found in a clause
#: What a doctor or a test found, as typed: what was told before it is over.
_VERDICT = "verdict"
_ENDING = "story_ending_as_typed"  # how a story ended, as typed ("recovered"): a verdict
#: The phrases of `present` (as typed): a recent time ("last night", "I just").
_RECENT = "recent"
_SCOPES = (
    "negation",
    "terminators",
    "conditional",
    "not_conditional",
    "pseudo_negation",
    "informational",
    "report",
    "other_person",
    "affirm",
    "past",
    "history",
    "risk",
    "judging",
    "generic",
    "list_words",
    "story",
    "parts",
    "continues",
)
_ATOM = re.compile(r"(no:)?[a-z_]+(@([a-z_]+|-))?(~[a-z_]+)?")


def load_vocabulary(path: Path, language: str) -> Vocabulary:
    name = f"triage/{path.name}"
    raw = read_toml(path, name)
    allowed = {"language", "lemmas", "numbers", "scope", "concepts", "rules", "doubt", "routing"}
    for key in raw:
        if key not in allowed:
            raise ContentError(name, key, "unknown key")

    lemmas = {str(k): str(v) for k, v in raw.get("lemmas", {}).items()}
    concepts_raw: dict[str, Any] = raw.get("concepts", {})
    scope: dict[str, Any] = raw.get("scope", {})
    for key in scope:
        if key not in (
            *_SCOPES, "question_words", "present", "not_present_after", "belief", "belief_after",
            "not_story_before", "goes_on", "list_fillers", "range_words", "range_fillers",
            "past_tense", "past_tense_endings",
            "not_past_tense", "negation_fillers", "closing_list_words", "asks", "speakers",
            "own_words", "modals", "examples", "factive", "supposing", "here_and_now",
            _AS_TYPED, _VERDICT, _ENDING,
        ):
            raise ContentError(name, f"scope.{key}", "unknown key")

    surface: set[str] = set()

    def strings(value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ContentError(name, where, "must be a list of words or phrases")
        for phrase in value:
            surface.update(w for piece in phrase.split() for w in piece.split("|") if w != "*")
        return list(value)

    for key, table in concepts_raw.items():
        where = f"concepts.{key}"
        if not isinstance(table, dict):
            raise ContentError(name, where, "must be a table")
        unknown = set(table) - {
            "kind", "terms", "exclude", "plural_terms", "place", "yields", "reopens"
        }
        if unknown:
            raise ContentError(name, f"{where}.{sorted(unknown)[0]}", "unknown key")
        if table.get("kind") not in KINDS:
            raise ContentError(name, f"{where}.kind", f"one of {sorted(KINDS)}")
        for flag in ("place", "yields", "reopens"):
            if flag in table and (table[flag] is not True or table["kind"] != "modifier"):
                raise ContentError(name, f"{where}.{flag}", f"only `{flag} = true`, of a modifier")
        strings(table.get("terms"), f"{where}.terms")
        strings(table.get("exclude", []), f"{where}.exclude")
        strings(table.get("plural_terms", []), f"{where}.plural_terms")
    for key in _SCOPES:
        strings(scope.get(key, []), f"scope.{key}")
    question_words = frozenset(strings(scope.get("question_words", []), "scope.question_words"))
    present_all = strings(scope.get("present", []), "scope.present")
    present = frozenset(p for p in present_all if " " not in p)
    belief = frozenset(strings(scope.get("belief", []), "scope.belief"))
    belief_after = frozenset(strings(scope.get("belief_after", []), "scope.belief_after"))
    not_story_before = frozenset(strings(scope.get("not_story_before", []), "scope.not_story_before"))
    goes_on = frozenset(strings(scope.get("goes_on", []), "scope.goes_on"))
    list_fillers = frozenset(strings(scope.get("list_fillers", []), "scope.list_fillers"))
    range_words = frozenset(strings(scope.get("range_words", []), "scope.range_words"))
    range_fillers = frozenset(strings(scope.get("range_fillers", []), "scope.range_fillers"))
    past_tense = frozenset(strings(scope.get("past_tense", []), "scope.past_tense"))
    past_endings = tuple(strings(scope.get("past_tense_endings", []), "scope.past_tense_endings"))
    not_past = frozenset(strings(scope.get("not_past_tense", []), "scope.not_past_tense"))
    not_present_after = frozenset(
        strings(scope.get("not_present_after", []), "scope.not_present_after")
    )
    negation_fillers = frozenset(
        strings(scope.get("negation_fillers", []), "scope.negation_fillers")
    )
    negation_words = frozenset(w for w in scope.get("negation", []) if " " not in w)
    closing_list_words = frozenset(
        strings(scope.get("closing_list_words", []), "scope.closing_list_words")
    )
    asks = frozenset(strings(scope.get("asks", []), "scope.asks"))
    speakers = frozenset(strings(scope.get("speakers", []), "scope.speakers"))
    own_words = frozenset(strings(scope.get("own_words", []), "scope.own_words"))
    modals = frozenset(strings(scope.get("modals", []), "scope.modals"))
    supposing = frozenset(strings(scope.get("supposing", []), "scope.supposing"))
    here_and_now = frozenset(strings(scope.get("here_and_now", []), "scope.here_and_now"))
    examples = frozenset(strings(scope.get("examples", []), "scope.examples"))
    factive = frozenset(strings(scope.get("factive", []), "scope.factive"))

    normaliser = Normaliser(language, lemmas, surface)

    def checked(phrases: Iterable[str], where: str) -> list[str]:
        for phrase in phrases:
            try:
                _check_term(phrase)
            except ValueError as error:
                raise ContentError(name, where, str(error)) from None
        return list(phrases)

    concepts: dict[str, Concept] = {}
    concept_terms: list[tuple[str, str]] = []
    excludes: list[tuple[str, str]] = []
    for key, table in concepts_raw.items():
        plural = frozenset(table.get("plural_terms", []))
        concepts[key] = Concept(
            key, table["kind"], plural, bool(table.get("place")), bool(table.get("yields")),
            bool(table.get("reopens")),
        )
        concept_terms += [(key, t) for t in checked(table["terms"], f"concepts.{key}.terms")]
        excludes += [(key, t) for t in checked(table.get("exclude", []), f"concepts.{key}")]
    cues = [
        (scope_name, term)
        for scope_name in _SCOPES
        for term in checked(scope.get(scope_name, []), f"scope.{scope_name}")
    ]
    recent = checked([p for p in present_all if " " in p], "scope.present")
    typed_story = checked(strings(scope.get(_AS_TYPED, []), f"scope.{_AS_TYPED}"), _AS_TYPED)
    verdicts = checked(strings(scope.get(_VERDICT, []), f"scope.{_VERDICT}"), _VERDICT)
    endings = checked(strings(scope.get(_ENDING, []), f"scope.{_ENDING}"), _ENDING)

    def kind(concept: str) -> str:
        return concepts.get(concept, Concept("", "")).kind

    def condition(table: dict[str, Any], where: str) -> Condition:
        items: dict[str, list[frozenset[str]]] = {}
        for part in ("all", "none"):
            parsed = []
            for item in table.get(part, []):
                alternatives = frozenset(str(item).split("|"))
                for atom in alternatives:
                    match = _ATOM.fullmatch(atom)
                    said, _, modifier = atom.partition("~")
                    concept = said.removeprefix("no:").split("@")[0]
                    site = said.split("@")[1] if "@" in said else None
                    if not match or concept not in concepts:
                        raise ContentError(name, f"{where}.{part}", f"{atom!r}: no such concept")
                    if site not in (None, "-") and kind(site) != "site":
                        raise ContentError(name, f"{where}.{part}", f"{atom!r}: no such site")
                    if modifier and (
                        kind(modifier) != "modifier" or kind(concept) != "finding" or
                        said.startswith("no:")
                    ):
                        raise ContentError(
                            name, f"{where}.{part}", f"{atom!r}: a finding~a modifier"
                        )
                parsed.append(alternatives)
            items[part] = parsed
        if not items["all"]:
            raise ContentError(name, f"{where}.all", "at least one item")
        # A modifier named alone is said of the finding of the first item of `all`: in
        # `all = ["headache", "severe"], none = ["resolved"]`, "severe" is `headache~severe`.
        subject = [
            atom for atom in items["all"][0]
            if "~" not in atom and not atom.startswith("no:")
            and kind(atom.split("@")[0]) == "finding"
        ]

        def bound(alternatives: frozenset[str], part: str) -> frozenset[str]:
            out: set[str] = set()
            for atom in alternatives:
                if kind(atom) != "modifier":  # a bare name: no site, no binding, no "no:"
                    out.add(atom)
                elif not subject:
                    raise ContentError(
                        name, f"{where}.{part}",
                        f"{atom!r}: said of no finding (the first item of `all` names none;"
                        " write finding~modifier or modifier@site)",
                    )
                else:
                    out.update(f"{finding}~{atom}" for finding in subject)
            return frozenset(out)

        def perhaps(alternatives: frozenset[str]) -> frozenset[str]:
            # When unsure what a modifier is said of, or where a finding is, the higher
            # reading: `finding?modifier` and `finding@^site` complete an `all` and never
            # count in a `none`.
            unsure = alternatives | {a.replace("~", "?") for a in alternatives if "~" in a}
            return unsure | {a.replace("@", "@^", 1) for a in unsure if "@" in a}

        return Condition(
            tuple(perhaps(item) for item in items["all"][:1])
            + tuple(perhaps(bound(item, "all")) for item in items["all"][1:]),
            tuple(bound(item, "none") for item in items["none"]),
        )

    def level(value: Any, where: str) -> Level:
        try:
            return Level(value)
        except ValueError:
            raise ContentError(name, where, "emergency, urgent, routine or none") from None

    rules = []
    for index, table in enumerate(raw.get("rules", [])):
        where = f"rules[{index}]"
        unknown = set(table) - {"level", "reason", "all", "none"}
        if unknown:
            raise ContentError(name, f"{where}.{sorted(unknown)[0]}", "unknown key")
        rules.append(
            Rule(level(table.get("level"), where), str(table["reason"]), condition(table, where))
        )
    doubts = []
    for index, table in enumerate(raw.get("doubt", [])):
        where = f"doubt[{index}]"
        unknown = set(table) - {"ask", "yes", "reason", "all", "none"}
        if unknown:
            raise ContentError(name, f"{where}.{sorted(unknown)[0]}", "unknown key")
        doubts.append(
            Doubt(
                str(table["ask"]),
                level(table.get("yes"), where),
                str(table["reason"]),
                condition(table, where),
            )
        )
    conditions = [*(r.when for r in rules), *(d.when for d in doubts)]
    named = [(_named_in([c], "all", concepts), _named_in([c], "none", concepts))
             for c in conditions]
    lowering = frozenset().union(*(low for _, low in named)) - frozenset().union(
        *(high for high, _ in named)
    )
    outweighed_by = {
        low: frozenset(h for high, lows in named if low in lows for h in high - lowering)
        for low in lowering
        if concepts[low].yields
    }
    routing: dict[str, frozenset[str]] = {}
    for key in ("legs", "elsewhere"):
        names = raw.get("routing", {}).get(key, [])
        strangers = [n for n in names if n.split("@")[0] not in concepts]
        if strangers:
            raise ContentError(name, f"routing.{key}", f"{strangers[0]!r}: no such concept")
        routing[key] = frozenset(names)
    topics: list[tuple[str, str, frozenset[str]]] = []
    for number, entry in enumerate(raw.get("routing", {}).get("topics", [])):
        where = f"routing.topics[{number}]"
        if not isinstance(entry, dict) or not {"concept", "topic"} <= set(entry):
            raise ContentError(name, where, "needs a concept and a topic")
        unless = frozenset(strings(entry.get("unless", []), f"{where}.unless"))
        for concept in (entry["concept"], *unless):
            if concept not in concepts:
                raise ContentError(name, where, f"{concept!r}: no such concept")
        topics.append((str(entry["concept"]), str(entry["topic"]), unless))
    numbers_raw = raw.get("numbers", {})
    try:
        numbers = Numbers(
            float(numbers_raw["fever_celsius"]),
            float(numbers_raw["fever_fahrenheit"]),
            float(numbers_raw["long_cramp_minutes"]),
            frozenset(str(w) for w in numbers_raw["minute_words"]),
            frozenset(str(w) for w in numbers_raw["hour_words"]),
            frozenset(str(w) for w in numbers_raw["temperature_words"]),
            frozenset(str(w) for w in numbers_raw["bp_separators"]),
            float(numbers_raw["bp_systolic"]),
            float(numbers_raw["bp_diastolic"]),
            frozenset(str(w) for w in numbers_raw.get("pad_words", [])),
            frozenset(str(w) for w in numbers_raw.get("times_words", [])),
            frozenset(str(w) for w in numbers_raw.get("every_words", [])),
            {str(k): float(v) for k, v in numbers_raw.get("count_words", {}).items()},
            float(numbers_raw.get("pads_per_hour", 1.0)),
            frozenset(str(w) for w in numbers_raw.get("temperature_units", [])),
            frozenset(str(w) for w in numbers_raw.get("not_temperature_after", [])),
            frozenset(str(w) for w in numbers_raw.get("weather_words", [])),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ContentError(name, "numbers", f"missing or not a number: {error}") from None
    return Vocabulary(
        language=language,
        concepts=concepts,
        rules=tuple(rules),
        doubts=tuple(doubts),
        numbers=numbers,
        normaliser=normaliser,
        # A finding's gap never passes a negation: it is the negation's to scope.
        concept_terms=Matcher(concept_terms, normaliser, negation_words),
        excludes=Matcher(excludes, normaliser),
        cues=Matcher(cues, normaliser),
        typed_cues=Matcher(
            [(_TOLD, term) for term in typed_story]
            + [("verdict", term) for term in endings]
            + [("verdict", term) for term in verdicts]
            + [(_RECENT, term) for term in recent],
            AsTyped(),
        ),
        question_words=question_words,
        present=present,
        not_present_after=not_present_after,
        negation_fillers=negation_fillers,
        negation_words=negation_words,
        closing_list_words=closing_list_words,
        asks=asks,
        speakers=speakers,
        own_words=own_words,
        modals=modals,
        supposing=supposing,
        here_and_now=here_and_now,
        examples=examples,
        factive=factive,
        belief=belief,
        belief_after=belief_after,
        not_story_before=not_story_before,
        goes_on=goes_on,
        list_fillers=list_fillers,
        range_words=range_words,
        range_fillers=range_fillers,
        past_tense=past_tense,
        past_tense_endings=past_endings,
        not_past_tense=not_past,
        lowering=lowering,
        outweighed_by=outweighed_by,
        legs=routing["legs"],
        long_message_words=int(raw.get("routing", {}).get("long_message_words", 14)),
        elsewhere=routing["elsewhere"],
        topics=tuple(topics),
        words=frozenset(surface),
    )


def _named_in(
    conditions: Sequence[Condition], part: str, concepts: Mapping[str, Concept]
) -> frozenset[str]:
    """The modifiers the conditions' `part` ("all" or "none") name. Named in some `none`
    and in no `all`, a modifier only ever lowers a level (`Vocabulary.lowering`): "often"
    is not one, since cramps often waking someone is a rule of its own."""
    found: set[str] = set()
    for condition in conditions:
        for item in getattr(condition, part):
            for atom in item:
                name = atom.replace("?", "~").rpartition("~")[2].removeprefix("no:")
                name = name.split("@")[0]
                if concepts.get(name, Concept("", "")).kind == "modifier":
                    found.add(name)
    return frozenset(found)


@functools.cache
def vocabulary(language: str = "en") -> Vocabulary:
    return load_vocabulary(content_dir() / "triage" / f"{language}.toml", language)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Mention:
    concept: str
    kind: str
    clause: int
    start: int
    end: int
    status: str = "reported"  # or negated, hypothetical, other (someone else's), past
    sites: tuple[str, ...] = ()
    #: For a modifier: the findings it is said of, each as (clause, start, concept).
    about: tuple[tuple[int, int, str], ...] = ()
    #: For a modifier its clause gives no finding to (`Said.carry`), until it is carried.
    carry: frozenset[str] | None = None
    #: For a modifier: the findings it is perhaps said of (`Said.perhaps`).
    perhaps: tuple[tuple[int, int, str], ...] = ()
    #: Told in the past: its part of the clause has a word of the past ("was", "swelled").
    #: Only what is told so can be part of a story that is over ("Bad headache." is not).
    told_past: bool = True
    #: Said in the part of its clause that has a story cue ("I've made a full recovery
    #: since"): how the story ended or when it was, not what is happening now.
    framing: bool = False
    #: For a finding told right before a list of sites ("pain in my back and calf", bound
    #: to the back): the others, where it is perhaps too (`finding@^site`: it completes a
    #: rule's `all`, never counts in its `none`: "it hurts to breathe in my chest and hip"
    #: is chest pain, not a hip's).
    perhaps_at: tuple[str, ...] = ()


Key = tuple[int, int, str]  # a finding's mention: (clause, start, concept)


@dataclass(frozen=True)
class Said:
    """What a modifier is said of: findings; and, when its clause has none for it, `carry`:
    the places it must be at in another clause (empty: any finding, "It's not going away.")."""

    about: tuple[Key, ...] = ()
    carry: frozenset[str] | None = None
    #: Findings it is perhaps said of: told before it in its sentence, the modifier in a
    #: part naming another place (`finding?modifier`: it completes a rule's `all`, never
    #: counts in its `none`: when unsure, the higher reading).
    perhaps: tuple[Key, ...] = ()


@dataclass(frozen=True)
class _Listed:
    """Sites said together in a clause ("hands and feet"), from word `start` to `end`."""

    sites: tuple[str, ...]
    start: int
    end: int
    #: One place that runs to the next ("from my back round to my belly"): what is said
    #: at any of them is at all of them, told before or after.
    runs: bool = False


def _said_together(
    nearest: Sequence[tuple[int, str]], listed: Mapping[int, _Listed], at: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sites of a finding at word `at`, from its nearest sites (position, site): with
    the sites said together with one, when the finding comes after them ("my hands and
    feet are puffy"); and, when it comes right before them ("pain in my back and calf"),
    the others as places it is perhaps at (`Mention.perhaps_at`)."""
    sites: list[str] = []
    perhaps: list[str] = []
    for position, site in nearest:
        group = listed.get(position)
        if group is not None and (at >= group.end or group.runs):
            sites += group.sites
        else:
            sites.append(site)
            if group is not None and at < group.start == position:
                perhaps += group.sites
    sites = list(dict.fromkeys(sites))
    return tuple(sites), tuple(s for s in dict.fromkeys(perhaps) if s not in sites)


def _segments(
    clause: Sequence[Token],
    cues: Sequence[tuple[str, int, int]],
    finding_starts: frozenset[int],
) -> tuple[list[int], frozenset[int]]:
    """Where a clause's parts begin: at a word of `parts` or `continues` ("but", "though",
    "and it") and at a comma, except a comma that goes on with a list of findings
    ("swollen, red and hot"); and which parts go on about the same thing (`continues`)."""
    listing = finding_starts | {
        s for name, s, e in cues if name == "list_words" and e in finding_starts
    }
    starts = {s for name, s, _ in cues if name in ("parts", "continues")}
    starts |= {i for i, t in enumerate(clause) if t.comma_before and i not in listing}
    same = frozenset(s for name, s, _ in cues if name == "continues")
    return sorted(starts - {0}), same


def _bind(
    number: int,
    typed: Sequence[str],
    spans: Sequence[tuple[str, str, int, int, tuple[str, ...]]],
    boundaries: Sequence[int],
    same: frozenset[int] = frozenset(),
    place: frozenset[str] = frozenset(),
    negated: frozenset[int] = frozenset(),
    lowering: frozenset[str] = frozenset(),
) -> tuple[
    dict[tuple[str, int], Said],
    dict[Key, frozenset[str]],
    tuple[Key, ...] | None,
    tuple[Key, ...] | None,
]:
    """What each modifier of a clause is said of (ConText's modifier scope, per finding).

    `spans` are (concept, kind, start, end, sites). A modifier is said of the nearest
    finding in its part of the clause (and of the findings said together with it: "pain
    and swelling"); when it is the finding's own word ("agony" is pain), of the nearest
    other one too ("the cramp is agony"). In a part with no finding it is said of the last
    findings of the nearest part before that has one (not negated: "not swollen, but it
    hasn't stopped"), else after; in a part that names a place but no finding, only of a
    finding at that place by its own part, or before it and at no place of its own ("the
    pain is bad, in my left calf"; not "the nausea is subsiding, I have a headache"), or,
    for a modifier of `place`, of a finding bound to that site ("my left calf... swollen").
    `negated` are the starts of negated findings. A part after `same` ("...and it hurts") says its first finding together
    with the last one before. What finds nothing in its clause is carried to the findings
    of other clauses (`Said.carry`: "It's not going away."). Also returned: the places
    each finding is at (those named in its own part), and the clause's first and last
    findings with those said together with them (None: it names none)."""

    def part(i: int) -> int:
        return bisect.bisect_right(boundaries, i)

    sites = [(s, e, n) for n, k, s, e, _ in spans if k == "site"]
    # A finding is at the places named in its own part (a looser site is only a guess).
    findings = sorted(
        (s, e, n, frozenset(n2 for s2, _, n2 in sites if part(s2) == part(s) and n2 in at))
        for n, k, s, e, at in spans
        if k == "finding"
    )
    bound_to = {s: frozenset(at) for n, k, s, _, at in spans if k == "finding"}
    anywhere = frozenset(site for at in bound_to.values() for site in at)
    # Findings said together share what is said of them: "my calf is swollen, red and hot".
    group: dict[int, int] = {}
    for index, (s, _, _, _) in enumerate(findings):
        group[s] = index
        if index:
            s0, e0, _, _ = findings[index - 1]
            joined = part(s0) == part(s) and (s == e0 or (s == e0 + 1 and typed[e0] in _AND))
            # "...hard and tight every few minutes and it hurts": the same thing goes on.
            goes_on = part(s) == part(s0) + 1 and boundaries[part(s0)] in same
            if joined or goes_on:
                group[s] = group[s0]

    def together(starts: Iterable[int]) -> tuple[Key, ...]:
        wanted = {group[s] for s in starts}
        return tuple((number, s, n) for s, _, n, _ in findings if group[s] in wanted)

    bound: dict[tuple[str, int], Said] = {}
    for name, kind, start, end, _ in spans:
        if kind != "modifier":
            continue
        here = part(start)
        near = [
            (max(fs - end, start - fe, 0), fs) for fs, fe, _, _ in findings if part(fs) == here
        ]
        own: tuple[Key, ...] = ()
        if near:
            closest = min(near)[0]
            chosen = {fs for d, fs in near if d == closest}
            if len(chosen) > 1 and name in lowering and any(fs >= end for fs in chosen):
                # A word that lowers, as far from one before as from one after: the one it
                # comes before ("a bad headache and a bit of swelling"). One that raises
                # stays with both ("bleeding heavily cramping"): the higher reading.
                chosen = {fs for fs in chosen if fs >= end}
            inside = {fs for fs, fe, _, _ in findings if fs in chosen and fs < end and start < fe}
            if inside:  # its own word ("agony" is pain): and the nearest other finding
                others = [(d, fs) for d, fs in near if fs not in chosen]
                if others:
                    chosen.add(min(others)[1])
            words_of = [(fs, fe) for fs, fe, _, _ in findings if fs in chosen]
            if closest or len(chosen) > 1 or name in lowering or not all(
                fs < end and start < fe for fs, fe in words_of
            ):  # a lowering word that is its finding's own ("spotting") is that one's only
                bound[(name, start)] = Said(together(chosen))
                continue
            # Only the words of its own finding ("It's heavy."): said of that, and also
            # where a modifier with no finding of its part would be (the bleeding told).
            own = together(chosen)
        # A place of its own part, not inside the modifier's words ("one leg").
        places = frozenset(n for s, _, n in sites if part(s) == here and not start <= s < end)
        said: tuple[Key, ...] | None = None
        perhaps: tuple[Key, ...] = ()
        for other in [*range(here - 1, -1, -1), *range(here + 1, len(boundaries) + 1)]:
            if not perhaps and other < here:  # what it would be said of but for the place
                perhaps = together(
                    fs for fs, _, _, _ in findings if part(fs) == other and fs not in negated
                )
            in_part = [
                fs for fs, _, _, at in findings
                if part(fs) == other and fs not in negated
                and (
                    not places
                    or places & (bound_to[fs] if name in place else at)
                    or (other < here and not at)
                )
            ]
            if in_part:
                said = together(in_part)
                break
            named = frozenset(n for s, _, n in sites if part(s) == other and n not in anywhere)
            if not places and named:
                places = named  # another place is named first: said of a finding at it
                break
        if said is not None:
            perhaps = ()
        bound[(name, start)] = Said(
            own + (said or ()), places if said is None else None, perhaps
        )
    at_places = {(number, s, n): at for s, _, n, at in findings}
    told = [s for s, _, _, _ in findings if s not in negated]
    if not told:
        return bound, at_places, None, None
    first = [s for s in told if part(s) == part(told[0])]
    last = [s for s in told if part(s) == part(told[-1])]
    return bound, at_places, together(first), together(last)


def _by_first_atom(conditions: Sequence[Condition]) -> dict[str, tuple[int, ...]]:
    """For each atom, the indexes of the conditions whose first `all` item has it."""
    index: dict[str, list[int]] = {}
    for i, condition in enumerate(conditions):
        for atom in condition.all[0]:
            index.setdefault(atom, []).append(i)
    return {atom: tuple(found) for atom, found in index.items()}


def _candidates(index: Mapping[str, tuple[int, ...]], atoms: frozenset[str]) -> list[int]:
    """The conditions that can hold for `atoms`, in their order."""
    return sorted({i for atom in atoms for i in index.get(atom, ())})


class Triage:
    """The triage engine for one language's vocabulary."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        numbers = vocab.numbers
        units = (
            numbers.minute_words | numbers.hour_words | numbers.temperature_words
            | numbers.temperature_units
        )
        alternatives = "|".join(re.escape(u) + "s?" for u in sorted(units, key=len, reverse=True))
        # A number and the unit after it ("38.5c", "20 mins"), units from the data.
        self._number = re.compile(rf"(\d+(?:[.,]\d+)?)\s*(°|{alternatives})?\b")
        separators = "|".join(re.escape(s) for s in sorted(numbers.bp_separators))
        # A blood pressure reading ("136 over 93", "150/95").
        self._pressure = re.compile(rf"\b(\d{{2,3}})\s*(?:{separators})\s*(\d{{2,3}})\b")
        # Rules and doubts by the atoms of their first `all` item: a message tries only
        # those it can start (one of those atoms is said), in the file's order.
        self._rules = _by_first_atom([rule.when for rule in vocab.rules])
        self._doubts = _by_first_atom([doubt.when for doubt in vocab.doubts])

    def mentions(self, text: str) -> tuple[Reading, list[Mention], bool]:
        """The concepts said, each with its scope; and whether the message is a story that
        is over with nothing said in the present tense."""
        reading = self.vocab.normaliser.read(text, self.vocab.question_words)
        found: list[Mention] = []
        last_site: tuple[str, ...] = ()
        told: tuple[Key, ...] = ()  # the last finding told, for a clause that names nothing
        any_told = False
        through_place = False  # `told` was carried past a clause naming only a place
        at: dict[Key, frozenset[str]] = {}  # the places each finding told is at
        # Place modifiers (by index in `found`) of the clause `last_site` is from, and the
        # findings that took their site from another clause, for each of them.
        places: list[int] = []
        elsewhere: dict[int, list[Key]] = {}
        affirmed = story = False
        told_in: set[int] = set()  # the sentences with a past told as typed
        ending: dict[int, int] = {}  # clause -> where its last verdict ends
        # Where the last verdict ends, (clause, word): what is told before it is over.
        verdict: tuple[int, int] | None = None
        present: set[tuple[int, int]] = set()  # (clause, word) of each word in the present
        for number, clause in enumerate(reading.clauses):
            mentions, cues, verdict_end, (first, last, places_of), now_words = self._clause(
                number, clause, last_site
            )
            affirmed = affirmed or "affirm" in cues
            story = story or "story" in cues
            if _TOLD in cues:  # a past told as typed: it closes its own sentence and before
                told_in.add(number)
            verdict = (number, verdict_end) if verdict_end is not None else verdict
            if verdict_end is not None:
                ending[number] = verdict_end
            present |= {(number, i) for i in now_words}
            sites = [m.concept for m in mentions if m.kind == "site"]
            for m in mentions:
                if m.kind == "finding" and m.sites and not sites:
                    for index in places:
                        elsewhere.setdefault(index, []).append((m.clause, m.start, m.concept))
            if sites:
                last_site = tuple(dict.fromkeys(sites))
                places = [
                    len(found) + i
                    for i, m in enumerate(mentions)
                    if self.vocab.concepts[m.concept].place
                ]
            # A clause that names nothing else is said of the last finding told (and of
            # those said together with it); after a place named on its own, of nothing;
            # before any finding is told ("It happened very quickly."), of the first one after.
            at.update(places_of)

            # A clause that goes on ("It's been 4 days, in my right calf") may place the
            # finding told before it, if that one was told at no place of its own.
            going_on = bool(clause) and clause[0].raw in self.vocab.goes_on

            def carried(
                m: Mention, to: tuple[Key, ...], before: bool, past_place: bool = through_place
            ) -> Mention:
                # Said of a place: of a finding at it, or one it goes on about.
                if m.carry and not any(m.carry & at[k] or (before and not at[k]) for k in to):
                    to = ()
                if past_place and m.concept in self.vocab.lowering:
                    to = ()  # past a place said on its own, a lowering word is a guess
                return replace(m, about=m.about + to, carry=None)

            if first is not None and not any_told:
                found = [carried(m, first, False) if m.carry is not None else m for m in found]
            mentions = [
                carried(m, told, going_on) if m.carry is not None and any_told else m
                for m in mentions
            ]
            if last is not None:
                told, any_told = last, True
            elif sites and not any(set(sites) & at[key] for key in told):
                if all(at[key] for key in told):
                    told = ()  # another place: what follows is said of it
                else:  # perhaps where the finding told at no place is ("A dull ache. Only
                    through_place = True  # the left leg. Getting worse."): raising words
            if last is not None:
                through_place = False
            found += mentions

        def tensed(m: Mention, part: bool = False) -> bool:
            """Said in the present tense, or of a recent time (`part`: no comma between)."""
            words = reading.clauses[m.clause]

            def apart(i: int) -> bool:  # a comma between the word and the mention
                return any(t.comma_before for t in words[min(i, m.start) + 1 : max(i, m.start) + 1])

            return any(
                c == m.clause
                and m.start - PRESENT_REACH <= i < m.end + PRESENT_REACH
                and not (part and apart(i))
                for c, i in present
            )

        if story or told_in or verdict is not None:
            # A story that is over: what is not said in the present tense is the past. A
            # verdict closes only what was told before it ends: what follows happened next.
            # A past told as typed ("I had a DVT two years ago", "in 2021") closes its own
            # sentence only: the one after may be a new episode ("Same leg swelled up and
            # went hot"), and so may the one before ("My calf swelled up and went hot. I
            # had a DVT in 2019.").
            until = (len(reading.clauses), 0) if story else verdict or (0, 0)

            def now(m: Mention) -> bool:
                closable = (m.clause, m.start) < until or m.clause in told_in
                return not closable or tensed(m) or not m.told_past

            found = [
                replace(m, status="past")
                if m.status == "reported" and m.kind in _BOUND and not now(m)
                # a word that says a finding came back or got worse is never closed: it
                # reopens ("I made a full recovery after my PE. The chest pain came back.")
                and not (m.kind == "modifier" and self.vocab.concepts[m.concept].reopens)
                else m
                for m in found
            ]
        # What is said now of a finding told in the past ("It hasn't gone away", "it's back
        # and it's worse"): a word that does not lower and is not one of place, said in the
        # present tense (in its part of the clause), reopens the finding it is said of: it is
        # still there, or back. After the end of the story, so does a word that says it came
        # back or got worse, in any tense (`reopens`). Not in the part of a clause (up to a
        # terminator) with a story cue, which tells how the story ended or when it was
        # ("I've made a full recovery since"), nor before a verdict in its clause ("I always
        # left there feeling reassured").
        closed = {
            (m.clause, m.start, m.concept): i
            for i, m in enumerate(found)
            if m.status == "past" and m.kind == "finding"
        }
        if closed:
            reopened = {
                closed[key]
                for m in found
                if m.kind == "modifier" and m.status == "reported"
                and m.concept not in self.vocab.lowering
                and not self.vocab.concepts[m.concept].place
                and not m.framing
                and m.start >= ending.get(m.clause, 0)
                and (tensed(m, part=True) or self.vocab.concepts[m.concept].reopens)
                for key in m.about
                if key in closed
            }
            # ...with what the story said of it that does not lower ("I had a bad headache
            # years ago and it is back": the bad headache is back).
            keys = {(found[i].clause, found[i].start, found[i].concept) for i in reopened}
            reopened |= {
                i
                for i, m in enumerate(found)
                if m.kind == "modifier" and m.status == "past"
                and m.concept not in self.vocab.lowering
                and keys.intersection(m.about)
            }
            for i in reopened:
                found[i] = replace(found[i], status="reported")
        # A finding with no site before it takes the first one said after it
        # ("The pain has been there all day. It's behind my right knee.").
        first_site = next((m for m in found if m.kind == "site"), None)
        if first_site:
            for index, m in enumerate(found):  # and what is said of its place
                if m.clause == first_site.clause and self.vocab.concepts[m.concept].place:
                    elsewhere.setdefault(index, []).extend(
                        (f.clause, f.start, f.concept)
                        for f in found
                        if f.kind == "finding" and not f.sites
                    )
            found = [
                replace(m, sites=(first_site.concept,)) if m.kind in _BOUND and not m.sites else m
                for m in found
            ]
        if elsewhere:
            found = [
                replace(m, about=m.about + tuple(elsewhere[i])) if i in elsewhere else m
                for i, m in enumerate(found)
            ]
        if affirmed:  # "...? Because that's happening to me right now"
            found = [
                replace(m, status="reported") if m.status == "hypothetical" else m for m in found
            ]
        over = (story or bool(told_in)) and not present and not any(
            m.status == "reported" and m.kind == "finding" for m in found
        )
        return reading, found, over

    def _told_past(self, word: str) -> bool:
        """Whether a word as typed tells its clause in the past ("was", "swelled")."""
        vocab = self.vocab
        endings = vocab.past_tense_endings
        return word in vocab.past_tense or (
            bool(endings) and word.endswith(endings) and word not in vocab.not_past_tense
        )

    def _present_words(self, clause: Sequence[Token]) -> set[int]:
        """The words of a clause in the present tense ([scope] present, its single words)."""
        return {
            i
            for i, t in enumerate(clause)
            if t.raw in self.vocab.present
            and not (i and clause[i - 1].raw in self.vocab.not_present_after)
        }

    def _clause(
        self,
        number: int,
        clause: tuple[Token, ...],
        last_site: tuple[str, ...],
    ) -> tuple[
        list[Mention],
        set[str],
        int | None,
        tuple[tuple[Key, ...] | None, tuple[Key, ...] | None, dict[Key, frozenset[str]]],
        set[int],
    ]:
        """The clause's mentions, the names of its scope cues, where its last verdict
        ends (None: it has none), its first and last findings with those said together
        with them (None: it names no finding) and the places each finding is at, and the
        words in the present tense or of a recent time ("is", "last night")."""
        words = [t.lemma for t in clause]
        concepts = self.vocab.concepts
        excluded = {(n, s, e) for n, s, e in self.vocab.excludes.find(words)}
        raw: list[tuple[str, int, int]] = []
        for name, start, end in self.vocab.concept_terms.find(words):
            if any(
                n == name and s <= start and end <= e and e - s > end - start
                for n, s, e in excluded
            ):
                continue
            raw.append((name, start, end))
        for name, concept in concepts.items():
            if concept.plural_terms:
                raw += [
                    (name, i, i + 1)
                    for i, t in enumerate(clause)
                    if t.lemma in concept.plural_terms and t.raw != t.lemma
                    and not any(n == name and s <= i < e for n, s, e in excluded)
                ]
        # A finding inside a longer finding (a modifier inside a longer modifier) of another
        # concept is part of it: "faint" in "feel faint", "go away" in "not go away".
        kept = [
            (n, s, e)
            for n, s, e in raw
            if concepts[n].kind not in _BOUND
            or not any(
                n2 != n
                and concepts[n2].kind == concepts[n].kind
                and s2 <= s
                and e <= e2
                and (e2 - s2) > (e - s)
                for n2, s2, e2 in raw
            )
        ]
        # One mention per concept and start.
        best: dict[tuple[str, int], int] = {}
        for n, s, e in kept:
            best[(n, s)] = max(best.get((n, s), 0), e)
        durations = self._durations(clause)
        for name, start in durations:
            best.setdefault((name, start), start + 2)
        covered = {i for (_, s), e in best.items() for i in range(s, e)}
        findings = {
            i for (n, s), e in best.items() if concepts[n].kind == "finding" for i in range(s, e)
        }
        typed = [t.raw for t in clause]
        found = self.vocab.cues.find(words) + self.vocab.typed_cues.find(typed)
        recent = {i for name, start, end in found if name == _RECENT for i in range(start, end)}
        cues = []
        for name, start, end in found:
            if name == _RECENT:
                continue
            if name in ("story", _TOLD, "verdict"):
                if self.vocab.belief.intersection(typed[max(0, start - BELIEF_REACH) : start]):
                    continue  # a belief, not an outcome ("I was sure it was fine")
                if self.vocab.belief_after.intersection(typed[end : end + OPENING_REACH]):
                    continue  # ...told after it: "it was fine I think", "in 2019 I guess"
                if self.vocab.not_story_before.intersection(typed[end : end + OPENING_REACH]):
                    if name == "verdict":
                        continue  # the calm before what went wrong ("it was fine until...")
                    if name == "story":
                        # "...a full recovery, but...": it ends what was told before it,
                        # like a verdict; what follows happened next.
                        name = "verdict"
                    # A past told as typed still closes only its own sentence ("My calf
                    # went red. I had a DVT in 2019 then another in 2021": the calf is now).
                elif name in ("story", _TOLD) and any(
                    start - PRESENT_REACH <= i < end + PRESENT_REACH for i in recent
                ):
                    # Said of a recent time ("I've just been diagnosed with pre-eclampsia",
                    # "they admitted me last night"): it ends only what was told before it.
                    name = "verdict"
            cues.append((name, start, end))
        now_words = self._present_words(clause) | recent
        finding_ends: dict[int, int] = {}  # each finding's start -> its end
        for (n, s), e in best.items():
            if concepts[n].kind == "finding":
                finding_ends[s] = max(finding_ends.get(s, s), e)
        status = self._scope(clause, cues, covered, findings, now_words, finding_ends)
        # The words of each part of the clause (cut at a terminator: "but", "now", or at a
        # comma) that has a word of the past: what a story or a verdict can close ("back in
        # 2019 i had a clot, calf swollen and red": the calf is now).
        cuts = sorted(
            {s for name, s, _ in cues if name == "terminators"}
            | {i for i, t in enumerate(clause) if t.comma_before}
            | {0, len(clause)}
        )
        told_past = {
            i
            for a, b in itertools.pairwise(cuts)
            if any(self._told_past(w) for w in typed[a:b])
            for i in range(a, b)
        }
        stories = [start for name, start, _ in cues if name in ("story", _TOLD)]
        framing = {
            i
            for a, b in itertools.pairwise(cuts)
            if any(a <= start < b for start in stories)
            for i in range(a, b)
        } if stories else set()
        sites = sorted((s, n) for (n, s), e in best.items() if concepts[n].kind == "site")
        # Sites said together ("my hands and feet are puffy") share what is said after them;
        # what is said right before them is perhaps at all of them (`_said_together`).
        listed: dict[int, _Listed] = {}  # a site's position -> the list it is said in
        fillers = self.vocab.list_fillers
        for (p1, n1), (p2, n2) in itertools.pairwise(sites):
            end1 = best[(n1, p1)]
            between = typed[end1:p2]
            said_with = 0 < len(between) <= 3 and between[0] in _AND and all(
                w in fillers for w in between[1:]
            )
            runs = 0 < len(between) <= RANGE_REACH and bool(
                self.vocab.range_words.intersection(between)
            ) and all(
                w in self.vocab.range_words or w in self.vocab.range_fillers or w in fillers
                for w in between
            )
            # Two places named by the same words ("lower back", and "back") are one.
            runs = runs or p2 < end1
            if said_with or runs:
                before = listed.get(p1, _Listed((n1,), p1, end1))
                group = _Listed(
                    (*before.sites, n2), before.start, best[(n2, p2)], before.runs or runs
                )
                for position, _ in sites:
                    if group.start <= position < group.end:
                        listed[position] = group
        placed: dict[tuple[str, int], tuple[str, ...]] = {}
        perhaps_at: dict[tuple[str, int], tuple[str, ...]] = {}
        for n, s in sorted(best, key=lambda item: item[1]):
            kind = concepts[n].kind
            bound: tuple[str, ...] = ()
            if kind in _BOUND:
                near = [(abs(pos - s), pos, site) for pos, site in sites if site != n]
                if near:
                    closest = min(near)[0]
                    nearest = [
                        (pos, site) for d, pos, site in sorted(near)
                        if d == closest or d <= SITE_REACH
                    ]
                    bound, perhaps_at[(n, s)] = _said_together(nearest, listed, s)
                else:
                    bound = last_site
            placed[(n, s)] = bound
        spans = [(n, concepts[n].kind, s, e, placed[(n, s)]) for (n, s), e in best.items()]
        starts = frozenset(s for n, kind, s, _, _ in spans if kind == "finding")
        boundaries, same = _segments(clause, cues, starts)
        place = frozenset(n for n, c in concepts.items() if c.place)
        negated = frozenset(s for s in starts if status[s] == "negated")
        said_of, at, first, last = _bind(
            number, typed, spans, boundaries, same, place, negated, self.vocab.lowering
        )
        mentions = []
        for (n, s), e in sorted(best.items(), key=lambda item: item[0][1]):
            said = said_of.get((n, s), Said())
            # A number of minutes is read whatever words stand before it ("not going since
            # 25 minutes").
            scope = "reported" if (n, s) in durations and status[s] == "negated" else status[s]
            mentions.append(
                Mention(
                    n, concepts[n].kind, number, s, e, scope, placed[(n, s)], said.about,
                    said.carry, said.perhaps, s in told_past, s in framing,
                    perhaps_at.get((n, s), ()),
                )
            )
        verdict_end = max((end for name, _, end in cues if name == "verdict"), default=None)
        return mentions, {name for name, _, _ in cues}, verdict_end, (first, last, at), now_words

    def _scope(
        self,
        clause: tuple[Token, ...],
        cues: list[tuple[str, int, int]],
        covered: set[int],
        findings: set[int],
        now: AbstractSet[int],
        finding_ends: Mapping[int, int],
    ) -> list[str]:
        """The status of each word of a clause: reported, or why not (`now`: the words in
        the present tense or of a recent time)."""
        n = len(clause)
        status = ["reported"] * n
        terminators = sorted(s for name, s, _ in cues if name == "terminators")

        def next_terminator(after: int) -> int:
            return next((t for t in terminators if t > after), n)

        def previous_terminator(before: int) -> int:
            return max((t for t in terminators if t <= before), default=0)

        # The clause's parts between commas, each word's part, and whether a part tells
        # anything in the past tense: computed once ("back in 2019 i had a clot, calf
        # swollen and red": the second part is in no tense).
        part_of: list[int] = []
        part = 0
        for k, t in enumerate(clause):
            part += bool(k and t.comma_before)
            part_of.append(part)
        told_in_part = [False] * (part + 1)
        for k, t in enumerate(clause):
            if self._told_past(t.raw):
                told_in_part[part_of[k]] = True

        def apart(i: int, j: int) -> bool:  # a comma between two words
            return part_of[min(i, j)] != part_of[max(i, j)]

        def untold(i: int) -> bool:
            return not told_in_part[part_of[i]]

        reports = any(name == "report" for name, _, _ in cues)
        # A past negated is no past: "no history of headaches" says this one is new.
        negated_at = {e for name, _, e in cues if name == "negation"}
        asking = [(s, e) for name, s, e in cues if name == "not_conditional"]
        cues = [
            (name, s, e)
            for name, s, e in cues
            if name != "conditional" or not any(a <= s < b for a, b in asking)
        ]
        # A clause that starts asking ("is it serious...") is a question whole; not "can
        # not breathe..." (a contraction read as two words).
        asked = bool(clause) and clause[0].raw in self.vocab.asks and not (
            n > 1 and clause[1].raw in self.vocab.negation_words
        )
        told = {s for s in range(1, n) if clause[s - 1].raw in self.vocab.speakers}
        concept_words = set(covered)
        closing = {  # the list words that close a list ("or", "nor")
            s for name, s, _ in cues
            if name == "list_words" and clause[s].raw in self.vocab.closing_list_words
        }
        generic = any(name == "generic" for name, _, _ in cues)
        for name, start, end in sorted(cues, key=lambda c: c[1]):
            if name == "judging" and generic:
                name = "informational"  # "is chest pain dangerous in pregnancy?"
            if name == "informational" and not reports and not told & findings:
                # A question about danger in general, from where it starts: what is told
                # before it is a report ("chest pain and short of breath is this serious"),
                # unless the clause is the question ("is chest pain dangerous?"); to a
                # comma, unless examples follow it ("when should i call, waters leaking";
                # "signs of a clot, like swelling?"); not what follows "that" ("is it
                # serious that baby is moving less").
                for i in range(0 if asked else start, next_terminator(start)):
                    if i > start and clause[i].comma_before and (
                        clause[i].raw not in self.vocab.examples
                    ):
                        break
                    if asked and i < start and apart(i, start):
                        continue  # a report before the question, past a comma
                    if i > end and clause[i - 1].raw in self.vocab.factive:
                        break
                    status[i] = "hypothetical"
            elif name in ("history", "risk"):
                # Only what it is a history or a risk of, with no list: "history of clots
                # calf swollen and hot since this morning" tells the calf now.
                for i in self._negated(clause, end, next_terminator(start), concept_words,
                                       set(), finding_ends):
                    status[i] = "past" if name == "history" else "hypothetical"
            elif name == "conditional":
                stop = next_terminator(start)
                said = " ".join(t.raw for t in clause[start:end])
                supposed = list(clause[end : stop + 1])  # to its terminator ("now"), or a comma
                cut = next((k for k, t in enumerate(supposed) if t.comma_before), len(supposed))
                if said not in self.vocab.supposing and any(
                    t.raw in self.vocab.here_and_now for t in supposed[:cut]
                ):
                    continue  # "if I have chest pain now should I call": it is happening
                for i in range(end, stop):
                    # The supposition ends where the person goes on about herself ("if i
                    # stand up i black out", "what if its a clot my calf is swollen"), unless
                    # what follows is supposed too ("if I had a clot my leg would swell").
                    if i > end and clause[i].raw in self.vocab.own_words and not any(
                        t.raw in self.vocab.modals
                        for k, t in enumerate(clause[i:stop], i)
                        if not apart(i, k)
                    ):
                        break
                    status[i] = "hypothetical"
            elif name == "other_person":
                for i in range(start, next_terminator(start)):  # "my friend collapsed"
                    if i >= end and clause[i].raw in self.vocab.own_words:
                        break
                    status[i] = "other"
            elif name == "past" and start not in negated_at:
                for i in range(previous_terminator(start), next_terminator(start)):
                    # ...but not another part before it ("my wife said she wants to hurt
                    # herself, she had the baby last month"), nor one after it in the
                    # present tense or in no tense ("I had a DVT years ago, my calf is
                    # swollen today"; not "history of pre-eclampsia, is it likely to come
                    # back?").
                    if apart(start, i) and (i < start or untold(i) or any(
                        abs(j - i) <= PRESENT_REACH and not apart(i, j) for j in now
                    )):
                        continue  # before it, past a comma, is another telling
                    status[i] = "past"
        # Negation words that negate nothing here: "if" that asks ("not sure if"), and
        # NegEx's pseudo-negations ("try not to worry about the decreased movement").
        pseudo = [(s, e) for name, s, e in cues if name == "pseudo_negation"]
        covered = covered | {i for a, b in asking + pseudo for i in range(a, b)}
        for name, start, end in cues:
            if name != "negation" or start in covered:
                continue  # "not" inside "can not breathe" is part of the symptom
            for i in self._negated(clause, end, next_terminator(start), concept_words,
                                   closing, finding_ends):
                if status[i] == "reported":
                    status[i] = "negated"
        return status

    def _negated(
        self,
        clause: tuple[Token, ...],
        end: int,
        stop: int,
        concept_words: set[int],
        closing: set[int],
        finding_ends: Mapping[int, int],
    ) -> list[int]:
        """The words a negation ending at `end` negates: after a few words of its own
        (`negation_fillers`: "no sign of", "not had any"), the concept it names, up to the
        end of its first finding ("no chest pain"), then on through a list ("not red, or
        hot, or swollen"; "no swelling, redness or heat": a list after a comma only when an
        "or" closes it). A negation whose next word names nothing negates nothing ("no one
        home chest really hurts", "never mind the cramp my calf is huge"), and a comma
        ends it ("no pain, heart racing"). A second finding right after the first is not
        negated ("no swelling baby quiet all day"). `finding_ends`: each finding's start
        and end.
        """
        negated: list[int] = []
        items = 0
        i = end
        for _ in range(NEGATION_REACH):
            if i >= stop or i in concept_words or clause[i].raw not in self.vocab.negation_fillers:
                break
            if clause[i].comma_before:  # "No, my calf is swollen": an answer, then news
                return negated
            i += 1
        while i < stop and i in concept_words:
            if clause[i].comma_before and not negated:
                return negated
            # One concept phrase, up to the end of its first finding, with a few words of
            # the negation's own between ("not think my calf is swollen").
            j = i
            reach = NEGATION_REACH
            told_end = -1  # where the phrase's first finding ends (its overlaps included)
            while j < stop and not (j > i and clause[j].comma_before):
                if 0 <= told_end <= j:
                    break
                if j in finding_ends:
                    told_end = max(told_end, finding_ends[j])
                if j not in concept_words:
                    if clause[j].raw not in self.vocab.negation_fillers or reach == 0:
                        break
                    reach -= 1
                negated.append(j)
                j += 1
            # ...and on through a list: "or"/"nor" ("not red or hot"), or a comma before a
            # list that an "or" closes right after its items ("no swelling, redness or
            # heat"; not "no fever, chest pain, should I go or wait"). "and" ends it ("no
            # fever and chest pain": the chest pain may be told), as does a word of its own.
            if items >= MAX_LIST_ITEMS:
                break
            items += 1
            if j < stop and j in closing:
                k = j + 1
                while k < stop and k not in concept_words and (
                    clause[k].raw in self.vocab.negation_fillers
                ) and k - j <= NEGATION_REACH:
                    k += 1
                i = k
            elif j < stop and clause[j].comma_before and j in concept_words and (
                self._closed_list(clause, j, stop, concept_words, closing)
            ):
                i = j
            else:
                break
        return negated

    def _closed_list(
        self,
        clause: tuple[Token, ...],
        j: int,
        stop: int,
        concept_words: set[int],
        closing: set[int],
    ) -> bool:
        """Whether the words from `j` on are a list that an "or" or "nor" closes: only
        concept words, the negation's own words and commas before it."""
        for k in range(j, stop):
            if k in closing:
                return k + 1 < stop and k + 1 in concept_words
            if k not in concept_words and clause[k].raw not in self.vocab.negation_fillers:
                return False
        return False

    # ----------------------------------------------------------------- judging

    def atoms(self, text: str) -> tuple[Reading, list[Mention], frozenset[str]]:
        reading, mentions, over = self.mentions(text)
        atoms: set[str] = set()
        reported = {(m.clause, m.start, m.concept): m for m in mentions if m.status == "reported"}
        lowered: dict[tuple[str, str], set[Key]] = {}  # (finding, modifier) -> mentions
        held: dict[tuple[str, str], set[str]] = {}  # their atoms, until all mentions agree
        said_of: dict[Key, set[str]] = {}  # a finding's mention -> the modifiers said of it
        for m in mentions:
            if m.status == "reported" and m.kind == "modifier":
                for key in m.about:
                    said_of.setdefault(key, set()).add(m.concept)
        for m in mentions:
            if m.kind == "site":
                if m.status == "reported":
                    atoms.add(m.concept)
                continue
            if m.status == "negated":
                atoms.add(f"no:{m.concept}")
            if m.status != "reported":
                continue
            atoms.add(m.concept)
            if m.kind in _BOUND:
                atoms.update(f"{m.concept}@{site}" for site in m.sites or ("-",))
                atoms.update(f"{m.concept}@^{site}" for site in m.perhaps_at)
            # A modifier said of a finding: `headache~resolved`, `pain@leg~persistent`, at
            # the finding's sites; a modifier of place at the sites both are at ("my left
            # hip aches and my feet swell": one side is the hip's).
            place = self.vocab.concepts[m.concept].place
            for keys, said in ((m.about, "~"), (m.perhaps, "?")):
                for key in keys:
                    finding = reported.get(key)
                    if finding is None:
                        continue
                    sites = [s for s in finding.sites if s in m.sites or not place]
                    sites = sites or list(finding.sites)
                    bound = {f"{finding.concept}{said}{m.concept}"} | {
                        f"{finding.concept}@{s}{said}{m.concept}" for s in sites or ("-",)
                    } | {
                        f"{finding.concept}@^{s}{said}{m.concept}"
                        for s in finding.perhaps_at if not place or s in m.sites
                    }
                    if said == "~" and m.concept in self.vocab.lowering and not place:
                        # "light at first then heavy": said of one mention, heavy wins.
                        outweighed = self.vocab.outweighed_by.get(m.concept, frozenset())
                        if not outweighed & said_of.get(key, set()):
                            lowered.setdefault((finding.concept, m.concept), set()).add(key)
                        held.setdefault((finding.concept, m.concept), set()).update(bound)
                    else:
                        atoms.update(bound)
        # A word that lowers counts for a finding only when it is said of every time the
        # finding is told: "Soaked through a pad in an hour. It was only spotting this
        # morning." is heavy bleeding, whatever the spotting was. (Not a word of place:
        # a finding told again at no place of its own is at the same one, "my feet".)
        telling: dict[Key, Key] = {}  # a mention -> the first of those overlapping it
        told: dict[str, set[Key]] = {}
        last: dict[str, Mention] = {}
        for key, m in sorted(reported.items()):
            if m.kind != "finding":
                continue
            before = last.get(m.concept)
            if before is not None and before.clause == m.clause and m.start < before.end:
                telling[key] = telling[(before.clause, before.start, before.concept)]
            else:
                telling[key] = key
                told.setdefault(m.concept, set()).add(key)
            last[m.concept] = m
        for (concept, modifier), mentioned in lowered.items():
            if told.get(concept, set()) <= {telling.get(k, k) for k in mentioned}:
                atoms.update(held[(concept, modifier)])
        # Readings and temperatures belong to the story when the message is one that is
        # over and says nothing now ("...179/100. They admitted me").
        if not over:
            atoms |= self._numbers(reading.folded, atoms)
        return reading, mentions, frozenset(atoms)

    def _numbers(self, folded: str, atoms: set[str]) -> set[str]:
        numbers = self.vocab.numbers
        found: set[str] = set()
        temperature = bool(
            numbers.temperature_words & set(re.findall(r"\w+", folded))
        ) or "fever" in atoms
        in_degrees = numbers.temperature_words | numbers.temperature_units | {"°"}
        for match in self._pressure.finditer(folded):
            systolic, diastolic = int(match.group(1)), int(match.group(2))
            if 60 <= diastolic < systolic <= 260 and (
                systolic >= numbers.bp_systolic or diastolic >= numbers.bp_diastolic
            ):
                found.add("high_bp")
        for match in self._number.finditer(folded):
            value = float(match.group(1).replace(",", "."))
            unit = (match.group(2) or "").rstrip("s")
            feverish = (
                numbers.fever_celsius <= value <= 43 or numbers.fever_fahrenheit <= value <= 110
            )
            if not feverish or not (unit in in_degrees or temperature):
                continue
            next_word = re.match(r"\s*(\w*)", folded[match.end() :])
            if next_word and next_word.group(1) in numbers.not_temperature_after:
                continue  # "38 weeks"
            before = re.split(r"[.!?]\s", folded[: match.start()])[-1]
            after = re.split(r"[.!?]\s", folded[match.start() :])[0]
            sentence = set(re.findall(r"\w+", before + " " + after))
            if numbers.weather_words & sentence and not numbers.temperature_words & sentence:
                continue  # the air's temperature
            found.add("fever")
        if numbers.pad_words and self._pads_per_hour(folded) >= numbers.pads_per_hour:
            # "changed my pad 3 times in 2 hours", "filled a maxi pad in 20 minutes": the
            # reference's heavy bleeding, a pad in an hour or less, however it is said.
            found |= {"bleeding", "bleeding@-", "heavy", "heavy@-", "bleeding~heavy",
                      "bleeding@-~heavy"}
        return found

    def _pads_per_hour(self, folded: str) -> float:
        """The fastest rate of pads a message tells ("two pads in an hour": 2), or 0."""
        numbers = self.vocab.numbers
        words = re.findall(r"\d+(?:[.,]\d+)?|[a-z]+", folded)

        def value(word: str) -> float | None:
            if word[0].isdigit():
                return float(word.replace(",", "."))
            return numbers.count_words.get(word)

        best = 0.0
        for p, word in enumerate(words):
            if word not in numbers.pad_words:
                continue
            count = next(
                (v for w in reversed(words[max(0, p - 3) : p]) if (v := value(w)) is not None),
                1.0,
            )
            every = False
            for k in range(p + 1, min(len(words), p + 12)):
                w = words[k]
                if w in numbers.every_words:
                    every = True
                if w in numbers.times_words and k > p + 1 and value(words[k - 1]) is not None:
                    count = value(words[k - 1]) or count
                unit = w.rstrip("s")
                if unit in numbers.minute_words or unit in numbers.hour_words:
                    amount = value(words[k - 1]) if k > p + 1 else None
                    if amount is None:
                        break
                    part = value(words[k - 2]) if k > p + 2 else None
                    if part is not None and part < 1:  # "half an hour"
                        amount *= part
                    hours = amount / 60 if unit in numbers.minute_words else amount
                    if hours > 0:
                        best = max(best, (1.0 if every else count) / hours)
                    break
        return best

    def _durations(self, clause: Sequence[Token]) -> list[tuple[str, int]]:
        """Durations said as numbers, as modifiers at the number ("25 mins"): more than
        `long_cramp_minutes` is long ("10 minutes, now it's fine" is not); three times as
        long, or hours, counts even when it eased in the end."""
        numbers = self.vocab.numbers
        found: list[tuple[str, int]] = []
        for i, (token, unit_token) in enumerate(itertools.pairwise(clause)):
            if not token.raw[0].isdigit():
                continue
            value = float(token.raw.replace(",", "."))
            unit = unit_token.raw.rstrip("s")
            if unit in numbers.minute_words:
                if value > numbers.long_cramp_minutes:
                    found.append(("long_duration", i))
                if value >= 3 * numbers.long_cramp_minutes:
                    found.append(("very_long", i))
            elif unit in numbers.hour_words:
                found += [("long_duration", i), ("very_long", i)]
        return found

    def assess(self, text: str) -> Assessment:
        reading, mentions, atoms = self.atoms(text)
        rules = self.vocab.rules
        fired = [
            rules[i] for i in _candidates(self._rules, atoms) if rules[i].when.holds(atoms)
        ]
        informational = any(
            m.status in ("hypothetical", "other", "past") and m.kind == "finding" for m in mentions
        )
        distress = "distress" in atoms
        if fired:
            top = max(rule.level.rank for rule in fired)
            reasons = tuple(dict.fromkeys(r.reason for r in fired if r.level.rank == top))
            level = next(r.level for r in fired if r.level.rank == top)
        else:
            level, reasons = Level.NONE, ()
        named = frozenset(m.concept for m in mentions)
        size = sum(len(clause) for clause in reading.clauses)
        if not fired:  # a danger concept no rule settled: the one question that settles it
            for i in _candidates(self._doubts, atoms):
                doubt = self.vocab.doubts[i]
                if doubt.when.holds(atoms):
                    return Assessment(
                        Level.ROUTINE,
                        (doubt.reason,),
                        doubt.ask,
                        informational,
                        distress,
                        reading.question,
                        named,
                        atoms,
                        size,
                    )
        return Assessment(
            level, reasons, None, informational, distress, reading.question, named, atoms, size
        )

    def doubt(self, ask: str) -> Doubt | None:
        return next((d for d in self.vocab.doubts if d.ask == ask), None)

    def topic(self, assessment: Assessment) -> str | None:
        """The topic a message is about by what it names ([routing] topics), if any."""
        named = assessment.concepts
        for concept, topic, unless in self.vocab.topics:
            if concept in named and not unless & named:
                return topic
        return None

    def elsewhere(self, assessment: Assessment) -> bool:
        """Whether a message is about something other than leg cramps ([routing])."""
        named = assessment.concepts
        atoms = assessment.atoms
        # A cramp said not to be one does not make the message about cramps ("It's not
        # cramps, my back gets stiff").
        denied = {n for n in named if f"no:{n}" in atoms and n not in atoms}
        if self.vocab.legs & ((atoms | named) - denied):
            return False
        return (
            bool(named & self.vocab.elsewhere) or assessment.words >= self.vocab.long_message_words
        )

    @property
    def reasons(self) -> frozenset[str]:
        return frozenset(r.reason for r in self.vocab.rules) | frozenset(
            d.reason for d in self.vocab.doubts
        )

    @property
    def questions(self) -> frozenset[str]:
        return frozenset(d.ask for d in self.vocab.doubts)


#: Every word triage matches (kept for the understanding's typo correction).
def words(language: str = "en") -> frozenset[str]:
    return vocabulary(language).words
