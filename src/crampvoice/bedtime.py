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


_OFF = (
    r"^\s*(bedtime|reminders?|bedtime reminders?)\s+(off|stop|cancel|no|none)\b"
    r"|^\s*(stop|cancel|end|turn off|no more)\s+(my\s+)?(bedtime|reminders?|bedtime reminders?)\b"
)
# Every pattern runs in linear time on any text (a 63 KB body included): no lazy run
# followed by something that can match the same characters, no unbounded gap.
_ZONE = r"^\s*(tz|timezone|time zone)\s*[:=]?\s*(?P<zone>.+)$"
_TIME = (
    r"(?:(?P<named>noon|midday|midnight)"
    r"|(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
    r"(?:\s*(?P<half>a\.?\s?m\.?|p\.?\s?m\.?))?"
    r"(?:\s+(?:o'?clock|oclock))?"
    r"(?:\s+(?P<part>tonight|at night|in the evening|this evening|in the morning))?)"
)
_GAP = 60  # "remind me to do my stretches every night at 9": the words before the time
# Patterns are compiled on first use (`re` keeps them): importing this costs nothing.
_SET = [
    (rf"^\s*bedtime\s*(?:(?:at|for|to|is|=|:)\s*)?{_TIME}\s*$"),
    (rf"\bremind\s+me\b.{{0,{_GAP}}}?\b(?:at|for|by)\s+{_TIME}(?![\w:.])"),
    (
        rf"\b(?:change|move|set|make)\s+(?:my\s+)?bedtime\s+(?:reminder\s+)?(?:to|for|at)\s+{_TIME}(?![\w:.])"
    ),
    (rf"\bbedtime\s+(?:reminder\s+)?(?:at|for)\s+{_TIME}(?![\w:.])"),
]
_WHOLE_TIME = rf"^\s*(?:(?:at|for|by|to)\s*)?{_TIME}\s*$"


def parse(text: str) -> BedtimeRequest | None:
    """A bedtime command in a message, or None when the message is about something else."""
    folded = spell_numbers(fold(text).strip().rstrip(".!"))
    if re.search(_OFF, folded):
        return BedtimeRequest("off")
    zone = re.match(_ZONE, folded)
    if zone:
        said = zone.group("zone").strip()
        return BedtimeRequest("zone", zone=resolve_zone(said), said_zone=said)
    for pattern in _SET:
        match = re.search(pattern, folded)
        if match:
            at = _from_match(match)
            if at is not None:
                return BedtimeRequest("set", at=at)
            return BedtimeRequest("invalid", said_time=_as_written(match))
    return None


def read_time(words: str | None) -> time | None:
    """The time of day some words name ("9:30pm", "ten tonight", "at 12", "midnight"),
    by the bedtime rule (`clock`); None when they name none. The one reader for every
    channel: a text's "BEDTIME 10" and the words Alexa heard in the reminder's time slot."""
    match = re.match(_WHOLE_TIME, spell_numbers(fold(words or "").strip().rstrip(".!")))
    return _from_match(match) if match else None


def _from_match(match: re.Match[str]) -> time | None:
    named = match.group("named")
    if named:
        return time(0, 0) if named == "midnight" else time(12, 0)
    return clock(match.group("hour"), match.group("minute"), match.group("half"),
                 match.group("part"))


def _as_written(match: re.Match[str]) -> str:
    """ "25:00", "13pm": a time that is not a time of day, as the person wrote it."""
    minute = match.group("minute")
    half = (match.group("half") or "").replace(".", "").replace(" ", "")
    return (match.group("hour") or "") + (f":{minute}" if minute else "") + half


def clock(
    hour_text: str, minute_text: str | None, half: str | None, part: str | None = None
) -> time | None:
    """The bedtime rule, the same on every channel. A time said at bedtime is in the
    evening or the night, so an hour without am or pm means the one between 5 pm and
    4:59 am: 5 to 11 are the evening (10 -> 10 pm), 12 is midnight, 1 to 4 are the small
    hours (3 -> 3 am). With am or pm, or "in the morning", it is as said (12 pm is noon,
    12 am midnight); "tonight", "at night" and "in the evening" are the bare rule. An
    hour of 0 or 13 to 23 is a 24-hour time ("21:30"). None: not a time of day."""
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59:
        return None
    if half is None and part == "in the morning":
        half = "am"
    if half:
        if not 1 <= hour <= 12:
            return None
        return time(hour % 12 + (12 if half.startswith("p") else 0), minute)
    if hour > 23:
        return None
    if 5 <= hour <= 11:
        hour += 12
    elif hour == 12:
        hour = 0
    return time(hour, minute)


_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"|\d{1,2})"
)
_HALF_PAST = rf"\b(?P<how>half|quarter)\s+past\s+(?P<hour>{_NUMBER})\b"
_QUARTER_TO = rf"\bquarter\s+to\s+(?P<hour>{_NUMBER})\b"
_HOUR_MINUTES = (
    rf"\b(?P<hour>{_NUMBER})\s+(?:(?P<oh>oh|o)\s+(?P<single>{_NUMBER})|(?P<minutes>{_NUMBER}))\b"
    r"(?!\s*:)"
)
_WORD = rf"\b(?!\d){_NUMBER}\b"


def _number(words: str) -> int:
    if words.isdigit():
        return int(words)
    first, *rest = re.split(r"[\s-]", words)
    return _TENS.get(first, _UNITS.get(first, 0)) + (_UNITS[rest[0]] if rest else 0)


def spell_numbers(text: str) -> str:
    """Times said in words as digits, as a speaker's words come ("nine thirty" -> "9:30",
    "half past ten" -> "10:30", "quarter to eleven" -> "10:45", "ten" -> "10")."""

    def half_past(match: re.Match[str]) -> str:
        minutes = 30 if match.group("how") == "half" else 15
        return f"{_number(match.group('hour'))}:{minutes:02d}"

    def quarter_to(match: re.Match[str]) -> str:
        hour = _number(match.group("hour"))
        return f"{(hour - 1) or 12}:45"

    def hour_minutes(match: re.Match[str]) -> str:
        hour = _number(match.group("hour"))
        minutes = _number(match.group("single") or match.group("minutes"))
        if match.group("single") is not None and minutes > 9:
            return match.group(0)
        plain = minutes < 10 and not match.group("oh")  # "nine five" is no time
        if plain or not 0 <= hour <= 23 or not 0 <= minutes <= 59:
            return match.group(0)
        return f"{hour}:{minutes:02d}"

    text = re.sub(_HALF_PAST, half_past, text)
    text = re.sub(_QUARTER_TO, quarter_to, text)
    text = re.sub(_HOUR_MINUTES, hour_minutes, text)
    return re.sub(_WORD, lambda m: str(_number(m.group(0))), text)


def spoken_examples() -> tuple[str, ...]:
    """Bedtimes as people say them, for a speaker's time slot (the interaction model's
    values: what Alexa listens for; any other words still reach `read_time`)."""
    words = [w for w, n in _UNITS.items() if n <= 12]
    examples = ["midnight", "noon"]
    for word in words:
        examples += [word, f"{word} thirty", f"{word} pm", f"{word} thirty pm",
                     f"half past {word}", f"{word} tonight", f"{word} o'clock"]
    return tuple(examples)


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
    import phonenumbers  # here: a speaker (the Lambda) has no phone numbers, nor this library
    from phonenumbers import timezone as phone_time_zones

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
