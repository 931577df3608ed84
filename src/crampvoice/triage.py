"""Red-flag triage (../shared/clinical-reference.md section 5), run on every message.

How it reads a message:
1. Split into clauses (sentences, "?"), and clauses into segments (commas, "but",
   "just", ...), which bound the reach of a negation.
2. Match findings: token patterns in lemma space (typos already corrected), where
   `*` is a gap of up to three words and `a|b` are alternatives.
3. A finding is negated when "no", "not", "without", ... stands before it in the same
   segment, unless that word is part of a finding itself ("can not breathe").
4. Findings inside a hypothetical ("what does a clot feel like?", "what if my leg
   swells") are information questions, not reports, and do not count.
5. The level is the highest any finding reaches; ties and doubt go upward.

The tables below are the clinical logic; tests/data/triage_corpus.tsv is the
hand-labelled corpus it is measured against (`crampvoice eval`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from crampvoice.text import Vocabulary, clauses, fold


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
    ask: str | None = None  # a follow-up question worth asking ("leg_check")


NONE = Assessment(Level.NONE)

# --------------------------------------------------------------------------- patterns
# Finding -> patterns. Words are matched after lemmas and typo correction.

_BREATH = "breath|breathe|breathing|air"
_PAIN = (
    "pain|painful|paining|hurt|hurting|ache|aching|achy|sore|tender|throb|throbbing|"
    "agony|killing|stab|stabbing|sharp|tearing"
)
_LEG = "leg|calf|thigh|shin|knee|ankle|foot|feet|hamstring"
_CHEST = "chest"
_SWELL = "swollen|swell|swelling|swelled|puffy|puffed|bigger|fatter|fat|huge|balloon|cankle|blown"
_RED = "red|redness|reddish|purple|purplish|bluish|darker|discoloured|discolored|streak"
_WARM = "warm|hot|heat|warmer|hotter"
_NEG = "no|not|never|without|nothing|none|nor|neither|hardly|barely"

FINDINGS: dict[str, tuple[str, ...]] = {
    # ---- emergency
    "breathless": (
        "short * of breath",
        "shortness of breath",
        "breathless|breathlessness|winded|gasp|gasping",
        f"out of {_BREATH}",
        f"can not * {_BREATH}",
        f"can not catch|get * {_BREATH}",
        f"catch my {_BREATH}",
        f"hard|difficult|struggle|struggling|trouble|difficulty|unable|problem|issue to|for|with * {_BREATH}",
        f"{_BREATH} is|feel|feels * hard|difficult|tight|fast|funny|weird|heavy|strange|rapid|problem|issue|shallow",
        f"{_BREATH} really|very|so * fast|heavy",
        f"{_BREATH} problem|problems|issue|issues|difficulty|trouble",
        f"trouble|difficulty|difficult|hard|struggle|struggling|problem|problems|laboured|labored * {_BREATH}",
        f"not able to {_BREATH}",
        "full breath",
        "enough air",
        "lip|lips * blue",
    ),
    "chest_pain": (
        f"{_CHEST} & {_PAIN}|hurts|tight|tightness|heavy|heaviness|pressure",
        f"{_CHEST} * {_PAIN}|tight|tightness|heavy|heaviness|pressure|crushing|hurts",
        f"{_PAIN}|tight|tightness|heavy|heaviness|pressure|crushing in|on * {_CHEST}",
        f"{_PAIN}|crushing * {_CHEST}",
        f"{_PAIN} when|to * i * breathe|breath|breathing",
        f"{_PAIN} * when|if * deep|big breath|breathe|breathing",
        f"{_PAIN} * breathe|breath in",
        f"hurt|hurts to {_BREATH}",
        "heart attack",
    ),
    "cough_blood": (
        "cough|coughing|coughed * blood|bloody|pink|pinkish",
        "blood * cough|coughing|sputum|phlegm",
        "cough|coughing|coughed up",
    ),
    "racing_heart": (
        "heart * racing|race|pounding|pound|thumping|thump|fast|going|beating|hammering|fluttering",
        "racing heart|heartbeat",
        "palpitation|palpitations",
    ),
    "collapse": (
        "fainted|faint|fainting|collapse|collapsed|collapsing",
        "pass|passed|passing out",
        "black|blacked out",
        "blackout",
    ),
    "dizzy": ("dizzy|lightheaded|dizziness",),
    "seizure": (
        "seizure|seizures|convulsion|convulsing|convulse|fitting",
        "a fit",
        "had|having fit",
        "shaking all over",
        "eye|eyes roll|rolled|rolling",
        "jerking|jerk",
        "went|gone floppy",
    ),
    "unresponsive": (
        "unresponsive|unconscious",
        "not responding|answering|respond|answer",
        "will not|can not * wake",
        "not wake|waking up",
    ),
    "stroke": (
        "face * droop|drooping|droopy|lopsided",
        "droop|drooping|droopy|lopsided",
        "slur|slurred|slurring|gibberish",
        "word|words * wrong|out",
        "mouth will not work",
        "can not speak|talk",
        "one side of my|her|his * body|face",
        "side of my|her|his face",
        "numb|weak on one side",
        "arm * leg * weak|numb",
        "weak|numb * arm * leg",
        "leg * arm * weak|numb",
        "weak|numb * leg * arm",
        "arm|hand * weak",
        "weak * arm|hand",
        "can not lift my arm",
        "dropping thing|things",
        "can not see out of",
        "one eye",
        "see half",
        "vision * went|gone|lost",
        "lost * vision|sight",
    ),
    "bleeding_vein": (
        "vein * bleed|bleeding|blood|spurting|pouring|burst",
        "vein & bleed|bleeding|blood|spurting|pouring",
        "blood * vein",
        "bleed|bleeding|blood * vein",
    ),
    # ---- urgent: a possible clot in the leg
    "swelling": (_SWELL, "blew|blown up", "marks on * ankle|ankles"),
    "redness": (_RED, "dark|darker colour|color", "gone|look|looks|turned|turning * dark|blue"),
    "warmth": (_WARM,),
    "hard_vein": (
        "vein * hard|lump|sore|tender|painful|hurt|hurts|bulgy|swollen|swell|rock|red",
        "vein & hard|lump|bulgy|tender|painful|hurt|hurts|rock",
        "hard|sore|tender|painful * lump",
        "lump * vein|calf|leg",
    ),
    "pain_walking": (
        f"{_PAIN} * when|to|if * walk|walking|stand|standing|flex|weight|move|moving",
        f"walk|walking|stand|standing * {_PAIN}|worse",
        f"when|if i * walk|stand * {_PAIN}|throb|throbs",
        "can not|hardly|barely * walk|stand|weight",
        "can not put weight",
        f"pull|flex|point * toe|toes|foot * {_PAIN}",
        f"{_PAIN} * when|if * pull|flex|point|lift * toe|toes|foot",
        f"flex * foot * {_PAIN}",
        f"{_PAIN} to stand",
        f"can not flex|walk|stand|move * without * {_PAIN}",
    ),
    "persistent": (
        "not|never * go|going|gone away|down",
        "will not|does not|did not|has not * go|shift|ease|stop|settle",
        "not reducing|shifting|easing|settling|gone|going",
        "constant|constantly|continuous|continuously|persistent",
        "all the time",
        "all day|week",
        "for|since * day|days|week|weeks|yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|morning",
        "2|3|4|5|two|three|four|five|several|few day|days",
        "since last night",
        "since yesterday",
        "a week",
        "6|hours later",
    ),
    "long_cramp": (
        "half an hour",
        "an|one|1 hour",
        "for ages|hours",
        "lasted ages",
        "since midnight",
        "ten|fifteen|twenty|thirty|forty|10|15|20|25|30|40|45 min|mins|minute|minutes",
        "will not|does not|did not * stop|quit|let go|ease|go",
        "stretch|stretching * not|nothing|doesnt * help|helping|work|working",
        "stretching does nothing",
        "nothing work|works|working|helps",
        "even after|when * stretch|stretching|i stretch",
        "tried stretching",
        "still there|hard",
        "rock hard",
    ),
    "fever": (
        "fever|feverish|temperature|temp|thermometer|chill|chills|shivery|shivering",
        "burning up",
    ),
    "fall": (
        "fall|fell|falling|slipped|slip|tripped|trip",
        "car accident|crash",
        "accident",
        "seatbelt",
        "kicked|hit|punched|knocked|bumped|jumped|landed|elbowed|stood * stomach|belly|bump|tummy|abdomen",
        "bump hit",
        "landed on",
    ),
    "headache": (
        "headache|headaches|migraine",
        f"head * {_PAIN}|pounding|pound|banging|bang|throbbing|killing|hurt|hurts|splitting",
    ),
    "vision": (
        "blurry|blurred|blur|blurring|fuzzy",
        "flashing|flash|flashes|sparkly|zigzag|zig",
        "spot|spots * eye|eyes|vision|front",
        "seeing spot|spots|light|lights|star|stars",
        "see straight",
        "light hurts * eye|eyes",
    ),
    "rib_pain": (
        f"rib|ribs * {_PAIN}",
        f"{_PAIN} * under|below * rib|ribs",
        "under|below my|the rib|ribs",
    ),
    "vomiting": (
        "vomit|vomiting|vomited",
        "throwing|threw up",
        "being|been|was sick",
        "sick * times",
    ),
    "face_hands_swelling": (
        f"face|hand|hands|finger|fingers|eye|eyes * {_SWELL}|swelled|swollen",
        f"{_SWELL}|swelled * face|hand|hands|finger|fingers",
        "ring|rings * not * come off|fit",
    ),
    "sudden": ("sudden|suddenly", "all of a sudden", "out of nowhere", "since this morning"),
    "baby_movement": (
        f"{_NEG}|less|fewer|reduced|stopped * move|moving|movement|movements|kick|kicks|kicking",
        "not|never|have not|has not felt|feel * baby|bub|any|kick|kicks|movement",
        "can not feel * baby|bub|kick|move|moving",
        "move|moving|movement|movements|kick|kicks * less|quiet|stopped|weaker|weak|different|weird|reduced|slow|slower|nothing",
        "baby|bub|babys * quiet|quieter",
        "gone quiet",
        "kick|kicks * nothing",
        "kick & nothing",
    ),
    # ---- belly, not legs
    "belly": (
        "belly|stomach|tummy|abdomen|abdominal|womb|uterus|groin",
        "bump * tight|tightening|hard|pain|hurt|ache",
        "period type|like|pain|pains",
        "down low",
        "low down",
        "low in my",
        "contraction|contractions|tightening|tightenings",
    ),
    "bleeding": ("bleeding|bleed|blood|spotting|bled",),
    "waters": (
        "water|waters * broke|broken|break|gone|leaking",
        "fluid * leaking|leak|coming",
        "leaking|leak|gush",
    ),
    "regular": (
        "every * minute|minutes|min|mins",
        "regular|regularly",
        "coming and going",
    ),
    "severe": ("severe|agony|excruciating|unbearable", "can not stand up straight"),
    # ---- routine
    "numb": ("numb|numbness|tingling|tingly|asleep", "pin and needle"),
    "frequent": (
        "every|most * night|nights",
        "night after night",
        "in a row",
        "keep|keeps * wake|waking|getting",
        "wake|waking me up",
        "not sleep|sleeping",
        "can not sleep",
        "decent sleep",
        "my sleep",
        "half the night",
        "time|times a night",
        "dread * bed",
        "up half",
    ),
    "supplement_start": (
        "take|taking|start|starting|try|trying|get|buy|add|switch|gonna|use * magnesium|calcium|potassium|supplement|supplements|vitamin|tablet|tablets|pill|pills|multi",
        "magnesium|calcium|potassium|supplement|vitamin * should i|can i|is it",
        "how much magnesium|calcium|potassium",
    ),
    "both_sides": ("both|either", "both side|sides"),
    "one_side": (
        "one leg|side|calf|ankle|foot",
        "left|right leg|calf|ankle|foot|thigh|knee|one|side",
        "only * left|right|one",
        "the left|right",
        "than the other|my left|my right",
        "1 leg",
        "just the one",
        "on the left|right",
        "left|right * worse",
    ),
    "resolved": (
        "gone now|away",
        "went away",
        "it went",
        "it passed",
        "passed in",
        "let go",
        "eased|easing",
        "better now",
        "fine now",
        "all good",
        "ok now",
        "over in",
        "it stopped",
        "stopped it",
    ),
    "still": ("still",),
    "cramp": ("cramp|cramps|cramping|cramped|charley|spasm",),
    "leg": (_LEG,),
    "pain": (_PAIN,),
}

# A word right after a match that means something else: "a hot water bottle" is not a hot
# leg, a foot that "falls asleep" did not fall, a "blood clot" question is not bleeding.
_NOT_NEXT = {
    "warmth": "bath water bottle pack pad shower towel drink tea tub weather day flush compress",
    "fall": "asleep",
    "bleeding": "clot clots pressure test tests sugar type group work count",
}
#: Words that negate what follows (compared as typed: lemmas would turn "hardly" into "hard").
_NEGATORS = frozenset({"no", "not", "never", "without", "nothing", "none", "nor", "neither"})
# Words that end a negation's reach.
_BREAKERS = frozenset(
    [
        "but",
        "however",
        "though",
        "although",
        "yet",
        "except",
        "just",
        "only",
        "now",
        "instead",
        "apart",
        "and_now",
    ]
)
_QUESTION_START = frozenset(
    [
        "what",
        "how",
        "when",
        "which",
        "is",
        "are",
        "can",
        "could",
        "does",
        "do",
        "should",
        "will",
        "would",
        "why",
        "where",
        "who",
    ]
)
# Words that make a question report the asker's own symptoms ("is it bad that MY leg...").
_REPORT = frozenset(["my", "mine", "she", "her", "he", "his", "our", "wife", "husband", "partner"])
_REPORT_PAIRS = frozenset(
    {("i", "am"), ("i", "have"), ("i", "got"), ("i", "feel"), ("i", "keep"), ("i", "can")}
)
_CONDITIONAL = frozenset({"if"})
# After a general question, words that say it is happening to the asker after all.
_AFFIRM = re.compile(
    r"\b(mine is|mine does|mine has|because mine|asking because|happening to me|"
    r"i have had it|i have got it|i have it|i have that|i am having it)\b"
)
# Plural body parts mean both sides ("my ankles are puffy"); read before lemmas drop the "s".
_BOTH_SIDES = re.compile(r"\b(ankles|feet|legs|calves|cankles)\b")
_FEVER_NUMBER = re.compile(
    r"\b(3[89](?:[.,]\d)?|4[0-2](?:[.,]\d)?|100[.,][4-9]|10[1-6](?:[.,]\d)?)\s*(?:c|f|degrees?|°)?\b"
)

# Which findings are reports that never need a hypothetical check (a wish is a wish).
_ALWAYS_REPORTED = frozenset({"supplement_start"})


def _words(patterns: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for pattern in patterns:
        for token in pattern.split():
            if token != "*":
                words.update(w for w in token.split("|") if w.isalpha())
    return words


#: Every word triage matches, added to the vocabulary so typos are corrected toward them.
WORDS = (
    frozenset(w for patterns in FINDINGS.values() for w in _words(patterns)) | _NEGATORS | _BREAKERS
)


Sequence_ = tuple[frozenset[str] | None, ...]  # None is a gap of up to MAX_GAP words
MAX_GAP = 4


@dataclass(frozen=True)
class Pattern:
    """Words in order (`sequence`), or two words anywhere in one clause (`both`)."""

    sequence: Sequence_ = ()
    both: tuple[frozenset[str], frozenset[str]] | None = None


def _alternatives(token: str, vocabulary: Vocabulary) -> frozenset[str]:
    return frozenset(vocabulary.lemma(w) for w in token.split("|"))


def _compile(pattern: str, vocabulary: Vocabulary) -> Pattern:
    if " & " in pattern:
        left, right = pattern.split(" & ")
        return Pattern(both=(_alternatives(left, vocabulary), _alternatives(right, vocabulary)))
    return Pattern(
        sequence=tuple(
            None if token == "*" else _alternatives(token, vocabulary) for token in pattern.split()
        )
    )


def _match(tokens: Sequence[str], sequence: Sequence_, start: int) -> int:
    """End index (exclusive) of `sequence` matched at `start`, or -1."""
    i = start
    k = 0
    while k < len(sequence):
        part = sequence[k]
        if part is None:
            nxt = sequence[k + 1]
            assert nxt is not None
            for gap in range(0, MAX_GAP + 1):
                if i + gap < len(tokens) and tokens[i + gap] in nxt:
                    i = i + gap + 1
                    k += 2
                    break
            else:
                return -1
            continue
        if i >= len(tokens) or tokens[i] not in part:
            return -1
        i += 1
        k += 1
    return i


@dataclass(frozen=True)
class _Hit:
    finding: str
    start: int
    end: int
    clause: int
    negated: bool
    hypothetical: bool


#: "my chest is fine": a word followed by one of these is not a complaint.
_FINE = frozenset({"fine", "ok", "okay", "normal", "good", "alright", "grand"})
#: Findings whose patterns contain their own "not" and are never negated themselves.
_SELF_NEGATING = frozenset({"persistent", "long_cramp", "baby_movement", "resolved"})
#: Clauses that only point back ("It hurts.") belong to the sentence before them.
_ANAPHORA = frozenset({"it", "its", "that", "this"})


class Triage:
    """The triage engine for one language's vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.patterns = {
            name: tuple(_compile(p, vocabulary) for p in patterns)
            for name, patterns in FINDINGS.items()
        }
        # Word-order patterns indexed by their first word: a clause only tries the patterns
        # that can start at each of its words.
        self._by_first: dict[str, list[tuple[str, Sequence_]]] = {}
        for name, compiled in self.patterns.items():
            for pattern in compiled:
                if pattern.both is None:
                    first = pattern.sequence[0]
                    assert first is not None, name
                    for word in first:
                        self._by_first.setdefault(word, []).append((name, pattern.sequence))
        self._both = [
            (name, pattern.both)
            for name, compiled in self.patterns.items()
            for pattern in compiled
            if pattern.both is not None
        ]
        self._breakers = frozenset(vocabulary.lemma(w) for w in _BREAKERS)
        self._not_next = {
            name: frozenset(vocabulary.lemma(w) for w in words.split())
            for name, words in _NOT_NEXT.items()
        }

    # ----------------------------------------------------------------- reading

    def findings(self, text: str) -> tuple[set[str], set[str]]:
        """(findings reported, findings mentioned but negated)."""
        hits = self._hits(text)
        reported = {h.finding for h in hits if not h.negated and not h.hypothetical}
        negated = {h.finding for h in hits if h.negated}
        folded = fold(text)
        if _FEVER_NUMBER.search(folded) and ({"fever"} & reported or "temp" in folded):
            reported.add("fever")
        if _BOTH_SIDES.search(folded):
            reported.add("both_sides")
        return reported, negated

    def _clauses(self, text: str) -> list[tuple[list[str], list[int]]]:
        """Each clause as lemma tokens, with the comma-separated segment of each token."""
        result: list[tuple[list[str], list[int]]] = []
        for clause in clauses(text):
            tokens: list[str] = []
            segment_of: list[int] = []
            for index, segment in enumerate(s for s in clause.split(",") if s.strip()):
                words = self.vocabulary.tokens(segment)
                tokens.extend(words)
                segment_of.extend([index] * len(words))
            if not tokens:
                continue
            if result and tokens[0] in _ANAPHORA and len(tokens) <= 6:
                previous, previous_segments = result[-1]
                offset = previous_segments[-1] + 1
                previous.extend(tokens)
                previous_segments.extend(offset + i for i in segment_of)
                continue
            result.append((tokens, segment_of))
        return result

    def _hits(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        affirmed = bool(_AFFIRM.search(fold(text)))
        for number, (tokens, segment_of) in enumerate(self._clauses(text)):
            hypothetical = self._hypothetical(tokens, affirmed)
            found: list[tuple[str, int, int]] = []
            used: set[int] = set()
            for start, token in enumerate(tokens):
                for name, sequence in self._by_first.get(token, ()):
                    end = _match(tokens, sequence, start)
                    if end < 0 or segment_of[start] != segment_of[end - 1]:
                        continue  # words in order stay inside one comma-separated segment
                    if end < len(tokens) and tokens[end] in self._not_next.get(name, ()):
                        continue
                    found.append((name, start, end))
                    if name not in _SELF_NEGATING:
                        # A negator inside a symptom phrase ("can not breathe") is part
                        # of the symptom, not a negation of what follows.
                        used.update(range(start, end))

            negated = [self._negated(tokens, segment_of, used, i) for i in range(len(tokens))]
            words = set(tokens)
            for name, (left, right) in self._both:
                if (
                    words & left
                    and words & right
                    and any(
                        t in left and not negated[i] and not _FINE.intersection(tokens[i : i + 4])
                        for i, t in enumerate(tokens)
                    )
                ):
                    # Reported at the second word: a negation must reach that word.
                    found.extend((name, j, j + 1) for j, t in enumerate(tokens) if t in right)
            for name, start, end in found:
                hits.append(
                    _Hit(
                        finding=name,
                        start=start,
                        end=end,
                        clause=number,
                        negated=name not in _SELF_NEGATING and negated[start],
                        hypothetical=hypothetical[start] and name not in _ALWAYS_REPORTED,
                    )
                )
        return hits

    def _negated(
        self, tokens: list[str], segment_of: list[int], used: set[int], start: int
    ) -> bool:
        for i in range(start - 1, max(-1, start - 5), -1):
            if segment_of[i] != segment_of[start] or tokens[i] in self._breakers:
                return False
            if tokens[i] in _NEGATORS and i not in used:
                return True
        return False

    def _hypothetical(self, tokens: list[str], affirmed: bool) -> list[bool]:
        """Per token: does it speak of a hypothetical rather than report a symptom?"""
        flags = [False] * len(tokens)
        if affirmed:
            return flags
        is_question = tokens[0] in _QUESTION_START and (len(tokens) < 2 or tokens[1] != "not")
        reports = _REPORT.intersection(tokens) or _REPORT_PAIRS.intersection(
            itertools.pairwise(tokens)
        )
        # "is it normal to be breathless" describes the asker; "is chest pain dangerous?" asks.
        about_asker = "normal" in tokens and "to" in tokens[tokens.index("normal") :][:2]
        if is_question and not reports and not about_asker:
            return [True] * len(tokens)
        conditional = False
        for i, token in enumerate(tokens):
            if token in _CONDITIONAL:
                conditional = True  # "what should I do if my leg swells"
            elif token in self._breakers:
                conditional = False  # "not sure if it matters but I coughed up blood"
            flags[i] = conditional
        return flags

    def assess(self, text: str) -> Assessment:
        found, negated = self.findings(text)
        return decide(found, negated)


def decide(found: set[str], negated: set[str]) -> Assessment:
    """The level from what was reported (the table of reference section 5)."""
    reasons: list[tuple[Level, str]] = []

    def add(level: Level, reason: str) -> None:
        reasons.append((level, reason))

    leg_complaint = found & {"pain", "swelling", "redness", "warmth", "hard_vein", "cramp"}
    # Emergency: the lungs, the heart, the brain, and bleeding that will not stop.
    for finding in (
        "breathless",
        "chest_pain",
        "cough_blood",
        "seizure",
        "unresponsive",
        "stroke",
        "bleeding_vein",
        "collapse",
    ):
        if finding in found:
            add(Level.EMERGENCY, finding)
    if found & {"racing_heart", "dizzy"}:
        if leg_complaint:
            add(Level.EMERGENCY, "racing_heart" if "racing_heart" in found else "dizzy")
        else:
            add(Level.URGENT, "racing_heart" if "racing_heart" in found else "dizzy")

    # Urgent: a leg that may hold a clot.
    bilateral = "both_sides" in found and "one_side" not in found
    face = "face_hands_swelling" in found
    if "swelling" in found and not face:
        if not bilateral or "sudden" in found:
            add(Level.URGENT, "swelling")
        else:
            add(Level.ROUTINE, "swelling_both")
    if "redness" in found:
        add(Level.URGENT, "redness")
    if "warmth" in found and "fever" not in found:
        add(Level.URGENT, "warmth")
    if "hard_vein" in found:
        add(Level.URGENT, "hard_vein")
    if "pain_walking" in found and ("leg" in found or "belly" not in found):
        add(Level.URGENT, "pain_walking")
    if "pain" in found and "persistent" in found and "resolved" not in found:
        add(Level.URGENT, "persistent_pain")
    if "long_cramp" in found and ("cramp" in found or "pain" in found):
        add(Level.URGENT, "long_cramp")
    if "fever" in found:
        add(Level.URGENT, "fever")
    if "fall" in found:
        add(Level.URGENT, "fall")
    # Urgent: pre-eclampsia and the baby.
    for finding in (
        "headache",
        "vision",
        "rib_pain",
        "vomiting",
        "face_hands_swelling",
        "baby_movement",
    ):
        if finding in found:
            add(Level.URGENT, finding)
    # Belly, not legs.
    if found & {"bleeding", "waters"}:
        add(Level.URGENT, "bleeding" if "bleeding" in found else "waters")
    if "belly" in found:
        if found & {"regular", "severe"}:
            add(Level.URGENT, "belly_severe")
        else:
            add(Level.ROUTINE, "belly")
    # Routine.
    if "numb" in found:
        add(Level.ROUTINE, "numb")
    if "frequent" in found and "cramp" in found:
        add(Level.ROUTINE, "frequent")
    if "supplement_start" in found:
        add(Level.ROUTINE, "supplement")

    if reasons:
        top = max(level.rank for level, _ in reasons)
        level = next(level for level, _ in reasons if level.rank == top)
        return Assessment(level, tuple(r for lvl, r in reasons if lvl.rank == top))

    # Nothing definite: a leg that still hurts is worth one question.
    told_about_leg = negated & {"swelling", "redness", "warmth"}
    if (
        "pain" in found
        and "leg" in found
        and "resolved" not in found
        and not told_about_leg
        and ("still" in found or "cramp" not in found)
    ):
        return Assessment(Level.ROUTINE, ("leg_pain",), ask="leg_check")
    return NONE
