"""Bedtime prompts by SMS, as pure rules: a bedtime command in, the answer and the
subscription to keep out. No database, no web framework (`policy.decide` calls this
after triage and opt-out handling; `service` stores what it decides).

- "BEDTIME 9:30pm", "remind me at 10 every night", "change my bedtime to 10": subscribe,
  or change the time. The zone is the one already chosen, else the phone number's when
  it has exactly one; otherwise the person is asked (system.bedtime_ask_zone) and the
  time waits in the conversation state until they answer ("TZ Sydney", or just
  "Sydney").
- A time outside the operator's send window is refused (system.bedtime_outside_window).
- "TZ Pacific", "TZ Europe/London": sets the zone (an active subscription moves with it).
- "BEDTIME OFF": ends the prompts. Never counted against the reply limit.
- "BEDTIME 25:00": not a time of day; the answer says so, with an example
  (system.bedtime_bad_time), and nothing changes.

{zone} in the answers is the IANA name; `policy` shows people their own name for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from crampvoice import bedtime
from crampvoice.bedtime import BedtimeRequest, Schedule, Window
from crampvoice.intents import Intent
from crampvoice.state import State

PENDING = "bedtime_zone"


@dataclass(frozen=True)
class Answer:
    key: str  # the system text to answer with
    state: State | None  # the conversation state to keep; None: unchanged
    schedule: Schedule | None = None  # the subscription to store; None: unchanged
    intent: Intent = Intent.REMINDER_SET
    exempt: bool = False  # not counted against the reply limit (turning prompts off)
    values: dict[str, str] = field(default_factory=dict)  # {time}, {zone}, {window}


def answer(
    body: str, number: str, state: State, current: Schedule | None, window: Window
) -> Answer | None:
    """The answer to a bedtime command, or None when the message is about something else."""
    request = bedtime.parse(body)
    if request is None and state.pending == PENDING:
        zone = bedtime.resolve_zone(body)  # a bare "Sydney" answers "which time zone?"
        request = BedtimeRequest("zone", zone=zone, said_zone=body) if zone else None
    if request is None:
        return None
    if request.kind == "invalid":
        return Answer("bedtime_bad_time", state, values={"said": request.said_time})
    if request.kind == "off":
        off = None if current is None else Schedule(current.at, current.zone, active=False)
        return Answer("bedtime_off", State(), off, Intent.REMINDER_CANCEL, exempt=True)
    if request.kind == "set" and request.at is not None:
        zone = current.zone if current else _only(bedtime.zones_for_number(number))
        if zone is None:
            if not window.allows(request.at):
                return _outside(window, state)
            asked = State(pending=PENDING, bedtime=f"{request.at:%H:%M}")
            return Answer("bedtime_ask_zone", asked)
        return _subscribe(request.at, zone, window, state)
    if request.zone is None:
        return Answer("bedtime_zone_unknown", state)  # a pending question stays open
    if state.pending == PENDING and state.bedtime:
        return _subscribe(time.fromisoformat(state.bedtime), request.zone, window, state)
    kept = Schedule(current.at if current else None, request.zone, bool(current and current.active))
    return Answer("bedtime_zone_set", State(), kept, values={"zone": request.zone})


def _subscribe(at: time, zone: str, window: Window, state: State) -> Answer:
    if not window.allows(at):
        return _outside(window, state)
    values = {"time": bedtime.describe(at), "zone": zone}
    return Answer("bedtime_confirm", State(), Schedule(at, zone, active=True), values=values)


def _outside(window: Window, state: State) -> Answer:
    shown = f"{bedtime.describe(window.start)} and {bedtime.describe(window.end)}"
    return Answer("bedtime_outside_window", state, values={"window": shown})


def _only(zones: tuple[str, ...]) -> str | None:
    return zones[0] if len(zones) == 1 else None
