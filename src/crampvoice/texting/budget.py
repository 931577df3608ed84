"""Reply budgets, as pure rules: what a number and everyone together may still be sent in
the running window. The counters are kept under the number's keyed hash (never the
number), apart from the person, so an erasure (DELETE, ERASE) does not reset them.

- Ordinary replies: `Limits.replies` per number per window, one notice at the limit,
  then silence; and `Limits.everyone` across all numbers per window.
- Escalations count too, but against their own, far higher, per-number limit
  (`Limits.escalations`), and the first escalation of every window is always sent, even
  when the global budget is spent.
- An opt-out confirmation is always sent (one per STOP) and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: The key of the counter of every number together.
EVERYONE = "*"


@dataclass(frozen=True)
class Spent:
    """Replies counted in the running windows: this number's (all, and escalations among
    them) and everyone's."""

    replies: int = 0
    escalations: int = 0
    everyone: int = 0


def in_window(start: datetime | None, count: int, at: datetime, window: timedelta) -> int:
    """A fixed window's count at `at`: 0 once the window that started at `start` is over."""
    if start is None or start + window <= at or start > at:
        return 0
    return count


def after(
    start: datetime | None, count: int, at: datetime, window: timedelta, spend: int = 1
) -> tuple[datetime, int]:
    """(window start, count) once `spend` more are counted at `at`."""
    current = in_window(start, count, at, window)
    if current == 0:
        return at, spend
    assert start is not None
    return start, current + spend
