"""Bedtime prompts in the core: what people ask for, and when each night's send is due."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest

from crampvoice import bedtime
from crampvoice.bedtime import BedtimeRequest, Window


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("BEDTIME 9:30pm", BedtimeRequest("set", at=time(21, 30))),
        ("bedtime 9.30 pm", BedtimeRequest("set", at=time(21, 30))),
        ("bedtime 21:30", BedtimeRequest("set", at=time(21, 30))),
        ("Bedtime 10", BedtimeRequest("set", at=time(22, 0))),
        ("remind me at 10 every night", BedtimeRequest("set", at=time(22, 0))),
        ("please remind me to stretch at 9:45pm", BedtimeRequest("set", at=time(21, 45))),
        ("change my bedtime to 10", BedtimeRequest("set", at=time(22, 0))),
        ("set my bedtime reminder for 8:15 pm", BedtimeRequest("set", at=time(20, 15))),
        ("bedtime 12am", BedtimeRequest("set", at=time(0, 0))),
        ("BEDTIME OFF", BedtimeRequest("off")),
        ("stop my bedtime reminders", BedtimeRequest("off")),
    ],
)
def test_parse_commands(message: str, expected: BedtimeRequest) -> None:
    assert bedtime.parse(message) == expected


@pytest.mark.parametrize(
    ("message", "zone"),
    [
        ("TZ Pacific", "America/Los_Angeles"),
        ("tz eastern", "America/New_York"),
        ("TZ Europe/London", "Europe/London"),
        ("timezone: australia/perth", "Australia/Perth"),
        ("TZ Narnia", None),
    ],
)
def test_parse_time_zone(message: str, zone: str | None) -> None:
    request = bedtime.parse(message)
    assert request is not None and request.kind == "zone"
    assert request.zone == zone


@pytest.mark.parametrize(
    "message",
    [
        "what stretches before bed",
        "bedtime stretches",
        "I have a cramp",
    ],
)
def test_other_messages_are_not_bedtime_commands(message: str) -> None:
    assert bedtime.parse(message) is None


@pytest.mark.parametrize(
    ("message", "said"),
    [("bedtime 25:00", "25:00"), ("bedtime 9:75", "9:75"), ("remind me at 13pm", "13pm")],
)
def test_a_time_that_does_not_exist_is_a_bedtime_command_to_refuse(
    message: str, said: str
) -> None:
    assert bedtime.parse(message) == BedtimeRequest("invalid", said_time=said)


@pytest.mark.parametrize(
    ("number", "zones"),
    [
        ("+14155550100", ("America/Los_Angeles",)),
        ("+12125550100", ("America/New_York",)),
        ("+447400123456", ("Europe/London",)),
        ("+353851234567", ("Europe/Dublin",)),
        ("+919812345678", ("Asia/Kolkata",)),
    ],
)
def test_zone_from_the_phone_number(number: str, zones: tuple[str, ...]) -> None:
    assert bedtime.zones_for_number(number) == zones


def test_australian_mobile_is_ambiguous_so_we_ask() -> None:
    assert len(bedtime.zones_for_number("+61412345678")) > 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Daylight-saving changes in both directions, in two zones. Local time stays 9:30 pm.
DST = [
    # London: BST starts 29 Mar 2026, ends 25 Oct 2026.
    ("Europe/London", utc(2026, 3, 28, 12), utc(2026, 3, 28, 21, 30)),
    ("Europe/London", utc(2026, 3, 29, 12), utc(2026, 3, 29, 20, 30)),
    ("Europe/London", utc(2026, 10, 24, 12), utc(2026, 10, 24, 20, 30)),
    ("Europe/London", utc(2026, 10, 25, 12), utc(2026, 10, 25, 21, 30)),
    # New York: EDT starts 8 Mar 2026, ends 1 Nov 2026.
    ("America/New_York", utc(2026, 3, 7, 12), utc(2026, 3, 8, 2, 30)),
    ("America/New_York", utc(2026, 3, 8, 12), utc(2026, 3, 9, 1, 30)),
    ("America/New_York", utc(2026, 10, 31, 12), utc(2026, 11, 1, 1, 30)),
    ("America/New_York", utc(2026, 11, 1, 12), utc(2026, 11, 2, 2, 30)),
]


@pytest.mark.parametrize(("zone", "after", "expected"), DST)
def test_daylight_saving_keeps_the_local_time(
    zone: str, after: datetime, expected: datetime
) -> None:
    sent = bedtime.next_send(time(21, 30), zone, after)
    assert sent == expected
    assert sent.astimezone(bedtime.ZoneInfo(zone)).time() == time(21, 30)


def test_one_send_per_local_night_across_a_year() -> None:
    instant = utc(2026, 1, 1)
    nights: list[date] = []
    for _ in range(365):
        instant = bedtime.next_send(time(21, 30), "Europe/London", instant)
        nights.append(bedtime.local_date(instant, "Europe/London"))
    assert len(set(nights)) == 365
    assert all((b - a).days == 1 for a, b in itertools.pairwise(nights))


def test_a_time_that_does_not_exist_that_night_is_still_sent_once() -> None:
    # 2:30 am does not exist in New York on 8 Mar 2026.
    first = bedtime.next_send(time(2, 30), "America/New_York", utc(2026, 3, 8, 5))
    second = bedtime.next_send(time(2, 30), "America/New_York", first)
    assert bedtime.local_date(first, "America/New_York") == date(2026, 3, 8)
    assert bedtime.local_date(second, "America/New_York") == date(2026, 3, 9)


def test_send_window() -> None:
    window = Window.parse("08:00-21:00")
    assert window.allows(time(20, 59)) and window.allows(time(21, 0))
    assert not window.allows(time(21, 30))
    assert Window.parse("").allows(time(23, 30))


def test_describe() -> None:
    assert bedtime.describe(time(21, 30)) == "9:30 pm"
    assert bedtime.describe(time(0, 5)) == "12:05 am"


def test_numbers_without_a_region_use_their_country_code() -> None:
    from crampvoice import phone

    assert phone.locale_for("+447700900123") == "en-GB"  # Ofcom's drama range
    assert phone.locale_for("+15551234567") == "en-US"
    assert phone.locale_for("+5511987654321") == "en"  # Brazil: region-neutral numbers
    assert phone.locale_for("+4915123456789") == "en-150"  # Germany: 112
    assert phone.locale_for("not a number") == "en"


# --------------------------------------------------------------------------- the bedtime rule
# Written by hand from the rule in the README ("Bedtime times"): one reader for a text's
# words and the words Alexa heard.


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("at 12", time(0, 0)),
        ("12", time(0, 0)),
        ("12:30", time(0, 30)),
        ("at 3", time(3, 0)),
        ("4:59", time(4, 59)),
        ("5", time(17, 0)),
        ("9", time(21, 0)),
        ("9:30", time(21, 30)),
        ("9:30pm", time(21, 30)),
        ("9.30 p.m.", time(21, 30)),
        ("9 am", time(9, 0)),
        ("3 in the morning", time(3, 0)),
        ("12am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("21:30", time(21, 30)),
        ("00:15", time(0, 15)),
        ("midnight", time(0, 0)),
        ("noon", time(12, 0)),
        ("midday", time(12, 0)),
        ("10 tonight", time(22, 0)),
        ("11 at night", time(23, 0)),
        ("10 o'clock", time(22, 0)),
        ("ten", time(22, 0)),
        ("nine thirty", time(21, 30)),
        ("nine thirty p. m.", time(21, 30)),
        ("half past ten", time(22, 30)),
        ("quarter to eleven", time(22, 45)),
        ("quarter to one", time(0, 45)),
        ("nine oh five", time(21, 5)),
        ("twenty one thirty", time(21, 30)),
        ("twelve tonight", time(0, 0)),
    ],
)
def test_read_time_follows_the_bedtime_rule(words: str, expected: time) -> None:
    assert bedtime.read_time(words) == expected


@pytest.mark.parametrize(
    "words", ["", None, "bedtime", "25:00", "9:75", "13pm", "0am", "tonight", "soon"]
)
def test_words_that_name_no_time_of_day_read_as_none(words: str | None) -> None:
    assert bedtime.read_time(words) is None


@pytest.mark.parametrize(
    "message",
    ["BEDTIME at 12", "remind me at 12", "bedtime midnight", "change my bedtime to 12"],
)
def test_a_text_reads_its_time_with_the_same_rule(message: str) -> None:
    assert bedtime.parse(message) == BedtimeRequest("set", at=time(0, 0))
