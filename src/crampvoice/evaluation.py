"""`crampvoice eval`: triage and routing measured against hand-labelled corpora.

Targets (issue "Understand real people"): on every corpus, recall 100% for `emergency`,
98% or more for `urgent`-or-higher, false alarms (labelled routine/none, sent to urgent
or emergency) at most 3%, and ordinary questions routed to an allowed intent 90% or more.
IDinsight's public urgency set (`--aaq`) is measured against its own targets: 95% of its
urgent statements escalated, at most 5% of the others.

A corpus is a TSV file with the columns `level`, `locale`, `text` and optionally `note`,
`intents` (the answers acceptable for an ordinary question, `a|b`, or `-`) and `source`.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crampvoice.engine import Core
from crampvoice.triage import Level

LEVELS = (Level.EMERGENCY, Level.URGENT, Level.ROUTINE, Level.NONE)


@dataclass(frozen=True)
class Targets:
    emergency: float = 1.0
    urgent: float = 0.98
    false_alarms: float = 0.03
    routing: float = 0.90


CORPUS_TARGETS = Targets()
#: IDinsight's set has no emergency label (its "urgent" is urgent-or-higher).
AAQ_TARGETS = Targets(emergency=0.0, urgent=0.95, false_alarms=0.05, routing=0.0)
MAX_FALSE_ALARM_RATE = CORPUS_TARGETS.false_alarms


@dataclass(frozen=True)
class Example:
    level: Level
    locale: str
    text: str
    note: str
    intents: frozenset[str] = frozenset()  # acceptable answers to an ordinary question
    source: str = ""


@dataclass(frozen=True)
class Outcome:
    example: Example
    got: Level
    routed: tuple[str, str | None] = ("", None)  # (intent, topic) the core answered with
    #: Where the reply was a safety question: what the core answered once it was told "no".
    settled: tuple[str, str | None] | None = None

    @property
    def routed_well(self) -> bool:
        return self._allowed(self.routed)

    @property
    def routed_well_after_check(self) -> bool:
        return self._allowed(self.settled or self.routed)

    def _allowed(self, routed: tuple[str, str | None]) -> bool:
        intent, topic = routed
        return intent in self.example.intents or (topic or "") in self.example.intents


def read_corpus(path: str | Path) -> list[Example]:
    examples = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = (line for line in handle if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            intents = (row.get("intents") or "-").strip()
            examples.append(
                Example(
                    Level(row["level"].strip()),
                    (row.get("locale") or "en").strip(),
                    row["text"],
                    row.get("note") or "",
                    frozenset() if intents == "-" else frozenset(intents.split("|")),
                    row.get("source") or "",
                )
            )
    return examples


def statement_key(text: str) -> str:
    """How a row of IDinsight's set is named here without copying it: a short hash."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:12]


def read_aaq(path: str | Path, overrides: str | Path | None = None) -> list[Example]:
    """IDinsight's `urgency_detection.yaml`; `overrides` are rows where the reference wins.

    The set is not shipped (it stays where it was fetched); the overrides name its rows by
    `statement_key` with the reference's level and why.
    """
    import yaml  # a dev dependency: this set is for evaluation only

    changed: dict[str, tuple[Level, str]] = {}
    if overrides is not None:
        for example in read_corpus(overrides):
            changed[example.text] = (example.level, example.note)
    data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    examples = []
    for block in data:
        for test in block["tests"]:
            text = " ".join(str(test["statement"]).split())
            level = Level.URGENT if test["expected"] else Level.NONE
            note = f"aaq {'urgent' if test['expected'] else 'not urgent'}: {block['condition']}"
            if statement_key(text) in changed:
                level, why = changed[statement_key(text)]
                note = f"{note}; reference: {why}"
            examples.append(Example(level, "en", text, note))
    return examples


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]
    name: str = "corpus"
    targets: Targets = CORPUS_TARGETS
    #: False for a held-out corpus: its figures are shown, never its messages, so that
    #: nobody tunes the vocabulary to them by reading them.
    details: bool = True

    def confusion(self) -> Counter[tuple[Level, Level]]:
        return Counter((o.example.level, o.got) for o in self.outcomes)

    def recall(self, at_least: Level) -> float:
        relevant = [o for o in self.outcomes if o.example.level.rank >= at_least.rank]
        if not relevant:
            return 1.0
        hit = [o for o in relevant if o.got.rank >= at_least.rank]
        return len(hit) / len(relevant)

    def recall_exact(self, level: Level) -> float:
        relevant = [o for o in self.outcomes if o.example.level is level]
        if not relevant:
            return 1.0
        return sum(o.got is level for o in relevant) / len(relevant)

    def false_alarms(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.example.level.escalates and o.got.escalates]

    def false_alarm_rate(self) -> float:
        calm = [o for o in self.outcomes if not o.example.level.escalates]
        return len(self.false_alarms()) / len(calm) if calm else 0.0

    def questions(self) -> list[Outcome]:
        """Ordinary messages with acceptable answers, which are not escalated."""
        return [o for o in self.outcomes if o.example.intents and not o.example.level.escalates]

    def routing(self) -> float:
        asked = self.questions()
        return sum(o.routed_well for o in asked) / len(asked) if asked else 1.0

    def routing_after_check(self) -> float:
        """Routing where a safety question asked first is answered "no" (not a target)."""
        asked = self.questions()
        return sum(o.routed_well_after_check for o in asked) / len(asked) if asked else 1.0

    def misses(self) -> list[Outcome]:
        """Under-triage of a red flag: the worst bug this product can have."""
        return [
            o
            for o in self.outcomes
            if o.example.level.escalates and o.got.rank < o.example.level.rank
        ]

    def meets_targets(self) -> bool:
        t = self.targets
        return (
            self.recall(Level.EMERGENCY) >= t.emergency
            and self.recall(Level.URGENT) >= t.urgent
            and self.false_alarm_rate() <= t.false_alarms
            and self.routing() >= t.routing
        )

    def text(self) -> str:
        matrix = self.confusion()
        t = self.targets
        lines = [f"== {self.name} ({len(self.outcomes)} labelled messages)", ""]
        lines.append("labelled \\ got   " + "".join(f"{lv.value:>11}" for lv in LEVELS))
        for labelled in LEVELS:
            row = "".join(f"{matrix[(labelled, got)]:>11}" for got in LEVELS)
            lines.append(f"{labelled.value:<17}{row}")
        lines += [
            "",
            f"recall emergency (got emergency):        {self.recall(Level.EMERGENCY):7.1%}"
            f"  (target >= {t.emergency:.0%})",
            f"recall urgent-or-higher (got >= urgent):  {self.recall(Level.URGENT):7.1%}"
            f"  (target >= {t.urgent:.0%})",
            f"exact recall urgent:                      {self.recall_exact(Level.URGENT):7.1%}",
            f"exact recall routine:                     {self.recall_exact(Level.ROUTINE):7.1%}",
            f"exact recall none:                        {self.recall_exact(Level.NONE):7.1%}",
            f"false alarms (routine/none -> urgent+):   {self.false_alarm_rate():7.1%}"
            f"  ({len(self.false_alarms())}; target <= {t.false_alarms:.0%})",
        ]
        if self.questions():
            lines.append(
                f"ordinary questions to an allowed intent:  {self.routing():7.1%}"
                f"  ({len(self.questions())}; target >= {t.routing:.0%})"
            )
            lines.append(
                f"  ...once a safety question is answered no: {self.routing_after_check():7.1%}"
            )
        if not self.details:
            lines += ["", "(held out: figures only; its messages are not shown)"]
            lines += ["", "targets met" if self.meets_targets() else "TARGETS NOT MET"]
            return "\n".join(lines)
        misses = self.misses()
        if misses:
            lines += ["", "MISSED RED FLAGS:"]
            lines += [
                f"  {o.example.level.value} -> {o.got.value}: {o.example.text}" for o in misses
            ]
        alarms = self.false_alarms()
        if alarms:
            lines += ["", "false alarms:"]
            lines += [
                f"  {o.example.level.value} -> {o.got.value}: {o.example.text}" for o in alarms
            ]
        misrouted = [o for o in self.questions() if not o.routed_well]
        if misrouted:
            lines += ["", "questions routed elsewhere (allowed -> got):"]
            lines += [
                f"  {'|'.join(sorted(o.example.intents))} -> {o.routed[0]}/{o.routed[1]}: "
                f"{o.example.text}"
                for o in misrouted
            ]
        lines += ["", "targets met" if self.meets_targets() else "TARGETS NOT MET"]
        return "\n".join(lines)


def is_held_out(name: str) -> bool:
    """A corpus kept apart from tuning: its name says so (`*holdout*`)."""
    return "holdout" in name


def evaluate(
    core: Core,
    examples: list[Example],
    name: str = "corpus",
    targets: Targets = CORPUS_TARGETS,
    details: bool = True,
) -> Report:
    outcomes = []
    for example in examples:
        reply = core.respond(example.text, locale=example.locale)
        settled = None
        if reply.state.pending and not reply.triage.escalates:
            after = core.respond("no", state=reply.state, locale=example.locale)
            settled = (after.intent.value, after.topic)
            held = core.content.get(example.locale).topics.get(after.topic or "")
            if held is not None:  # the answer kept for after it
                settled = (held.intent.value, held.key)
        outcomes.append(
            Outcome(example, reply.triage, (reply.intent.value, reply.topic), settled)
        )
    return Report(tuple(outcomes), name, targets, details)
