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

_BREATH = "breath|breathe|breathing|breth|air"
_PAIN = (
    "pain|painful|paining|hurt|hurting|ache|aching|achy|sore|tender|throb|throbbing|"
    "agony|killing|stab|stabbing|sharp|tearing"
)
_LEG = "leg|calf|thigh|shin|knee|ankle|foot|feet|hamstring"
_CHEST = "chest"
_SWELL = (
    "swollen|swell|swelling|swelled|swolen|puffy|puffed|bigger|fatter|fat|huge|balloon|"
    "cankle|blown"
)
_RED = "red|redness|reddish|purple|purplish|bluish|darker|discoloured|discolored|streak"
_WARM = "warm|hot|hott|heat|warmer|hotter"
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
        f"not able to {_BREATH}",
        "full breath",
        "enough air",
        "lip|lips * blue",
    ),
    "chest_pain": (
        f"{_CHEST} * {_PAIN}|tight|tightness|heavy|heaviness|pressure|crushing|hurts",
        f"{_PAIN}|tight|tightness|heavy|heaviness|pressure|crushing in|on * {_CHEST}",
        f"{_PAIN}|crushing * {_CHEST}",
        f"{_PAIN} when|to * i * breathe|breath|breathing",
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
        "arm|hand * weak|numb",
        "weak|numb * arm|hand",
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
        "blood * vein",
        "bleed|bleeding|blood * vein",
    ),
    # ---- urgent: a possible clot in the leg
    "swelling": (_SWELL, "blew|blown up", "marks on * ankle|ankles"),
    "redness": (_RED, "dark|darker colour|color", "gone|look|looks|turned|turning * dark|blue"),
    "warmth": (_WARM,),
    "hard_vein": (
        "vein * hard|lump|sore|tender|painful|hurt|hurts|bulgy|swollen|swell|rock|red",
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
        f"flex * foot * {_PAIN}",
        f"{_PAIN} to stand",
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
        "kicked|hit|punched|knocked|bumped * stomach|belly|bump|tummy|abdomen",
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
        "baby|bub|babys * quiet|quieter|still",
        "gone quiet",
        "kick|kicks * nothing",
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
    "both_sides": ("both|either", "both side|sides", "ankles|feet|legs"),
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

# Words whose presence after a warmth word mean an object, not a warm leg ("hot water bottle").
_NOT_WARM_NEXT = frozenset(
    "bath water bottle pack pad shower towel drink tea tub weather day flush compress".split()
)
_NEGATORS = frozenset(_NEG.split("|")) | {"free"}
# Words that end a negation's reach.
_BREAKERS = frozenset(
    "but however though although yet except just only now instead apart and_now".split()
)
_QUESTION_START = frozenset(
    "what how when which is are can could does do should will would why where who".split()
)
_REPORT = frozenset("my mine me i am she her he his we our wife".split())
_CONDITIONAL = frozenset({"if"})
_AFFIRM = re.compile(r"\b(mine is|mine does|mine has|because mine|asking because)\b")
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
WORDS = frozenset(
    w for patterns in FINDINGS.values() for w in _words(patterns)
) | _NEGATORS | _BREAKERS


Pattern = tuple[frozenset[str] | None, ...]  # None is a gap of up to three words


def _compile(pattern: str, vocabulary: Vocabulary) -> Pattern:
    parts: list[frozenset[str] | None] = []
    for token in pattern.split():
        if token == "*":
            parts.append(None)
        else:
            parts.append(frozenset(vocabulary.lemma(w) for w in token.split("|")))
    return tuple(parts)


def _match(tokens: Sequence[str], pattern: Pattern, start: int) -> int:
    """End index (exclusive) of `pattern` matched at `start`, or -1."""
    i = start
    k = 0
    while k < len(pattern):
        part = pattern[k]
        if part is None:
            nxt = pattern[k + 1]
            assert nxt is not None
            for gap in range(0, 4):
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


class Triage:
    """The triage engine for one language's vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.patterns = {
            name: tuple(_compile(p, vocabulary) for p in patterns)
            for name, patterns in FINDINGS.items()
        }
        self._negators = frozenset(vocabulary.lemma(w) for w in _NEGATORS)
        self._breakers = frozenset(vocabulary.lemma(w) for w in _BREAKERS)
        self._not_warm_next = frozenset(vocabulary.lemma(w) for w in _NOT_WARM_NEXT)

    # ----------------------------------------------------------------- reading

    def findings(self, text: str) -> tuple[set[str], set[str]]:
        """(findings reported, findings mentioned but negated)."""
        hits = self._hits(text)
        reported = {h.finding for h in hits if not h.negated and not h.hypothetical}
        negated = {h.finding for h in hits if h.negated}
        if _FEVER_NUMBER.search(fold(text)) and ({"fever"} & reported or "temp" in text.lower()):
            reported.add("fever")
        return reported, negated

    def _hits(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        affirmed = bool(_AFFIRM.search(fold(text)))
        for number, clause in enumerate(clauses(text)):
            segments = [s for s in clause.split(",") if s.strip()]
            tokens: list[str] = []
            segment_of: list[int] = []
            for index, segment in enumerate(segments):
                words = self.vocabulary.tokens(segment)
                tokens.extend(words)
                segment_of.extend([index] * len(words))
            if not tokens:
                continue
            hypothetical_from = self._hypothetical_from(tokens, affirmed)
            clause_hits: list[tuple[str, int, int]] = []
            used: set[int] = set()
            for name, patterns in self.patterns.items():
                for pattern in patterns:
                    for start in range(len(tokens)):
                        end = _match(tokens, pattern, start)
                        if end < 0:
                            continue
                        if name == "warmth" and end < len(tokens) and (
                            tokens[end] in self._not_warm_next
                        ):
                            continue
                        clause_hits.append((name, start, end))
                        if name not in ("persistent", "long_cramp", "baby_movement"):
                            # A negator inside a symptom phrase ("can not breathe") is part
                            # of the symptom, not a negation of what follows.
                            used.update(range(start, end))
            for name, start, end in clause_hits:
                hits.append(
                    _Hit(
                        finding=name,
                        start=start,
                        end=end,
                        clause=number,
                        negated=self._negated(tokens, segment_of, used, start, name),
                        hypothetical=(
                            hypothetical_from is not None
                            and start >= hypothetical_from
                            and name not in _ALWAYS_REPORTED
                        ),
                    )
                )
        return hits

    def _negated(
        self, tokens: list[str], segment_of: list[int], used: set[int], start: int, name: str
    ) -> bool:
        if name in ("persistent", "long_cramp", "baby_movement", "resolved"):
            return False
        for i in range(start - 1, max(-1, start - 6), -1):
            if segment_of[i] != segment_of[start] or tokens[i] in self._breakers:
                return False
            if tokens[i] in self._negators and i not in used:
                return True
        return False

    def _hypothetical_from(self, tokens: list[str], affirmed: bool) -> int | None:
        """Index from which a clause speaks of a hypothetical, or None."""
        if affirmed:
            return None
        for i, token in enumerate(tokens):
            if token in _CONDITIONAL:
                return i
        if tokens[0] in _QUESTION_START or (len(tokens) > 1 and tokens[1] in _QUESTION_START):
            if "normal" in tokens and "to" in tokens[tokens.index("normal") :][:2]:
                return None  # "is it normal to be breathless" describes the asker
            if not _REPORT.intersection(tokens):
                return 0
        return None

    # ----------------------------------------------------------------- deciding

    def assess(self, text: str) -> Assessment:
        found, negated = self.findings(text)
        return decide(found, negated)


def decide(found: set[str], negated: set[str]) -> Assessment:
    """The level from what was reported (the table of reference section 5)."""
    reasons: list[tuple[Level, str]] = []

    def add(level: Level, reason: str) -> None:
        reasons.append((level, reason))

    leg_symptom = bool(found & {"swelling", "redness", "warmth", "pain", "hard_vein", "leg"})
    # Emergency: the lungs, the heart, the brain, and bleeding that will not stop.
    for finding in ("breathless", "chest_pain", "cough_blood", "seizure", "unresponsive",
                    "stroke", "bleeding_vein", "collapse"):
        if finding in found:
            add(Level.EMERGENCY, finding)
    if found & {"racing_heart", "dizzy"}:
        if leg_symptom and found & {"pain", "swelling", "redness", "warmth"}:
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
    if "pain_walking" in found:
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
    for finding in ("headache", "vision", "rib_pain", "vomiting", "face_hands_swelling",
                    "baby_movement"):
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
