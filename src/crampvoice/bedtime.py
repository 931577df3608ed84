"""Bedtime prompts: what people ask for, where they live, and when the next send is due.

Pure functions, no storage: the SMS service and the worker keep the subscription
(local time, IANA zone, next send instant in UTC) and call these to move it on.
Daylight-saving changes keep the local time: 9:30 pm stays 9:30 pm.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as phone_time_zones

from crampvoice.content import content_dir
from crampvoice.text import fold

Kind = Literal["set", "off", "zone", "invalid"]


@dataclass(frozen=True)
class BedtimeRequest:
    kind: Kind
    at: time | None = None  # for "set"
    zone: str | None = None  # for "zone": an IANA name, or None when not recognised
    said_zone: str = ""  # what the person wrote for the zone
    said_time: str = ""  # for "invalid": the time as written, which is not a time of day


_OFF = re.compile(
    r"^\s*(bedtime|reminders?|bedtime reminders?)\s+(off|stop|cancel|no|none)\b"
    r"|^\s*(stop|cancel|end|turn off|no more)\s+(my\s+)?(bedtime|reminders?|bedtime reminders?)\b"
)
_ZONE = re.compile(r"^\s*(tz|timezone|time zone)\s*[:=]?\s*(?P<zone>.+?)\s*$")
_TIME = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)?"
_SET = [
    re.compile(rf"^\s*bedtime\s*(?:at|for|to|is|=|:)?\s*{_TIME}\s*$"),
    re.compile(rf"\bremind\s+me\b.*?\b(?:at|for|by)\s+{_TIME}\b"),
    re.compile(
        rf"\b(?:change|move|set|make)\s+(?:my\s+)?bedtime\s+(?:reminder\s+)?(?:to|for|at)\s+{_TIME}\b"
    ),
    re.compile(rf"\bbedtime\s+(?:reminder\s+)?(?:at|for)\s+{_TIME}\b"),
]


def parse(text: str) -> BedtimeRequest | None:
    """A bedtime command in a message, or None when the message is about something else."""
    folded = fold(text).strip().rstrip(".!")
    if _OFF.search(folded):
        return BedtimeRequest("off")
    zone = _ZONE.match(folded)
    if zone:
        said = zone.group("zone")
        return BedtimeRequest("zone", zone=resolve_zone(said), said_zone=said)
    for pattern in _SET:
        match = pattern.search(folded)
        if match:
            at = _clock(match.group("hour"), match.group("minute"), match.group("half"))
            if at is not None:
                return BedtimeRequest("set", at=at)
            return BedtimeRequest("invalid", said_time=_as_written(match))
    return None


def _as_written(match: re.Match[str]) -> str:
    """ "25:00", "13pm": a time that is not a time of day, as the person wrote it."""
    minute = match.group("minute")
    half = (match.group("half") or "").replace(".", "")
    return match.group("hour") + (f":{minute}" if minute else "") + half


def _clock(hour_text: str, minute_text: str | None, half: str | None) -> time | None:
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif 1 <= hour <= 11:
        hour += 12  # "remind me at 10" means the evening: this is a bedtime
    elif hour > 23:
        return None
    return time(hour, minute)


@dataclass(frozen=True)
class Schedule:
    """A person's bedtime subscription: `at` is None for a zone chosen before any time."""

    at: time | None
    zone: str
    active: bool


# --------------------------------------------------------------------------- time zones


@functools.cache
def _zone_data() -> tuple[dict[str, str], dict[str, str]]:
    """(aliases like "pacific" -> IANA, country -> its one zone) from shared/regions.toml."""
    import tomllib

    with (content_dir() / "regions.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    zones = raw.get("time_zones", {})
    aliases = {fold(k): v for k, v in zones.get("aliases", {}).items()}
    countries = {k.upper(): v for k, v in zones.get("countries", {}).items()}
    return aliases, countries


@functools.cache
def _iana() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(said: str) -> str | None:
    """An IANA zone from what a person wrote ("Pacific", "Europe/London", "uk"), or None."""
    key = fold(said).strip().replace(" ", "_")
    exact = _iana().get(key)
    if exact:
        return exact
    aliases, _ = _zone_data()
    alias = aliases.get(fold(said).strip())
    return alias if alias and alias.lower() in _iana() else None


def zones_for_number(number: str) -> tuple[str, ...]:
    """The zones a phone number may be in: one means known, several means ask, none: ask."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ()
    _, countries = _zone_data()
    country = phonenumbers.region_code_for_number(parsed)
    if country in countries:
        return (countries[country],)
    found = [
        _iana()[z.lower()]
        for z in phone_time_zones.time_zones_for_number(parsed)
        if z.lower() in _iana()
    ]
    return tuple(sorted(set(found)))


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Window:
    """The hours in which automated prompts may be sent (an operator's legal choice)."""

    start: time = time(0, 0)
    end: time = time(23, 59)

    @classmethod
    def parse(cls, text: str) -> Window:
        """ "08:00-21:00" -> Window(8:00, 21:00). Empty: all day."""
        if not text.strip():
            return cls()
        first, _, last = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()))

    def allows(self, at: time) -> bool:
        return self.start <= at <= self.end


def next_send(at: time, zone: str, after: datetime) -> datetime:
    """The first instant after `after` (aware) when it is `at` o'clock in `zone`, in UTC.

    On a night when `at` does not exist (clocks jump forward over it), the prompt goes
    at the same wall-clock offset after the jump, never skipped and never twice.
    """
    tz = ZoneInfo(zone)
    local_day = after.astimezone(tz).date()
    for offset in range(0, 3):
        day = local_day + timedelta(days=offset)
        candidate = _instant(day, at, tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a day always has a next evening")


def _instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, at, tzinfo=tz)
    return local.astimezone(UTC)


def local_date(instant: datetime, zone: str) -> date:
    """The person's calendar date at `instant`: with the subscription, the send's unique key."""
    return instant.astimezone(ZoneInfo(zone)).date()


def valid_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def describe(at: time) -> str:
    """ "9:30 pm" for confirmations (no leading zero, no seconds)."""
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'am' if at.hour < 12 else 'pm'}"
