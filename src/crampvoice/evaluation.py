"""`crampvoice eval`: triage measured against a hand-labelled corpus.

Targets (issue "Red-flag triage that never misses"): recall 100% for `emergency` and for
`urgent`-or-higher; false alarms (labelled routine/none, sent to urgent or emergency)
at most 3%.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crampvoice.engine import Core
from crampvoice.triage import Level

LEVELS = (Level.EMERGENCY, Level.URGENT, Level.ROUTINE, Level.NONE)
MAX_FALSE_ALARM_RATE = 0.03


@dataclass(frozen=True)
class Example:
    level: Level
    locale: str
    text: str
    note: str


@dataclass(frozen=True)
class Outcome:
    example: Example
    got: Level


def read_corpus(path: str | Path) -> list[Example]:
    examples = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = (line for line in handle if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            examples.append(
                Example(Level(row["level"]), row["locale"], row["text"], row.get("note") or "")
            )
    return examples


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

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

    def misses(self) -> list[Outcome]:
        """Under-triage of a red flag: the worst bug this product can have."""
        return [
            o
            for o in self.outcomes
            if o.example.level.escalates and o.got.rank < o.example.level.rank
        ]

    def meets_targets(self) -> bool:
        return (
            self.recall(Level.EMERGENCY) == 1.0
            and self.recall(Level.URGENT) == 1.0
            and self.false_alarm_rate() <= MAX_FALSE_ALARM_RATE
        )

    def text(self) -> str:
        matrix = self.confusion()
        lines = [f"triage evaluation: {len(self.outcomes)} labelled messages", ""]
        lines.append("labelled \\ got   " + "".join(f"{lv.value:>11}" for lv in LEVELS))
        for labelled in LEVELS:
            row = "".join(f"{matrix[(labelled, got)]:>11}" for got in LEVELS)
            lines.append(f"{labelled.value:<17}{row}")
        lines += [
            "",
            f"recall emergency (got emergency):        {self.recall(Level.EMERGENCY):7.1%}",
            f"recall urgent-or-higher (got >= urgent):  {self.recall(Level.URGENT):7.1%}",
            f"exact recall urgent:                      {self.recall_exact(Level.URGENT):7.1%}",
            f"exact recall routine:                     {self.recall_exact(Level.ROUTINE):7.1%}",
            f"exact recall none:                        {self.recall_exact(Level.NONE):7.1%}",
            f"false alarms (routine/none -> urgent+):   {self.false_alarm_rate():7.1%}"
            f" ({len(self.false_alarms())}; target <= {MAX_FALSE_ALARM_RATE:.0%})",
        ]
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
        lines += ["", "targets met" if self.meets_targets() else "TARGETS NOT MET"]
        return "\n".join(lines)


def evaluate(core: Core, examples: list[Example]) -> Report:
    return Report(tuple(Outcome(e, core.assess(e.text).level) for e in examples))
