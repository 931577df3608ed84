"""How long each table keeps what it holds (`crampvoice.housekeeping` enforces it, run by
the worker: `crampvoice worker` every hour and at each `--once`, `crampvoice serve` with
its in-process worker).

CRAMPVOICE_RETENTION overrides any period, in days: "replies=7,events=400". 0 keeps
forever. The defaults:

| period | days | what is deleted |
|---|---|---|
| replies | 7 | answered MessageSids and the reply each got (a Twilio retry comes within minutes) |
| outbox | 30 | messages sent or queued outside a reply |
| failures | 90 | delivery failures (they stop scheduled sends while recent) |
| sends | 90 | the record of each night's bedtime prompt |
| event_senders | 90 | the keyed hash on dashboard events (the counts stay) |
| events | 400 | dashboard events themselves |
| people | 365 | a person not heard from for that long (with state, subscription, failures), |
|        |     | unless a bedtime subscription is active |
| opt_outs | 0 | opt-outs: kept, they are the record that a number must not be texted |

Reply budgets are deleted once their window is over, and an erasure's request to
delete the messages stored at Twilio as soon as it is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crampvoice.errors import Refusal

DEFAULT_DAYS: dict[str, int] = {
    "replies": 7,
    "outbox": 30,
    "failures": 90,
    "sends": 90,
    "event_senders": 90,
    "events": 400,
    "people": 365,
    "opt_outs": 0,
}
SETTING = "CRAMPVOICE_RETENTION"
EVERY = timedelta(hours=1)  # how often the worker runs housekeeping


class RetentionError(Refusal):
    """A malformed CRAMPVOICE_RETENTION."""


@dataclass(frozen=True)
class Retention:
    days: Mapping[str, int]

    def cutoff(self, name: str, now: datetime) -> datetime | None:
        """Rows of `name` older than this go; None: kept forever."""
        days = self.days[name]
        return None if days == 0 else now - timedelta(days=days)


def parse(raw: str) -> Retention:
    days = dict(DEFAULT_DAYS)
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in DEFAULT_DAYS:
            raise RetentionError(
                f"{SETTING}: unknown period {name!r} (known: {', '.join(DEFAULT_DAYS)})"
            )
        try:
            days[name] = int(value)
        except ValueError:
            raise RetentionError(f"{SETTING}: {name} must be a whole number of days") from None
        if days[name] < 0:
            raise RetentionError(f"{SETTING}: {name} cannot be negative")
    return Retention(days)


def from_config(config: Mapping[str, Any]) -> Retention:
    return parse(str(config.get(SETTING) or ""))
