"""The texts people get, read as they would read them, through the real signed webhook.

Each row is one person (a number from the US, the UK or Australia) sending one or two
texts, with the exact wording rules the answer must keep: the time-zone examples and
names of their own country, a clear error with an example for a time that does not
exist, an emergency line after STOP, no instruction said twice, and clean spacing.
Written by hand from what a person should see, not generated from the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient

from tests.sms.conftest import Phone

US_ONE_ZONE = "+12015550123"  # New Jersey: Eastern time
US_TWO_ZONES = "+12085550123"  # Idaho: Mountain or Pacific, so the service asks
UK = "+447400123456"
AU = "+61412345678"  # an Australian mobile: any of the country's zones, so it asks
#: How US people name their zones; what Australians write; IANA ids (never shown).
US_EXAMPLES = ("TZ Eastern", "TZ Central", "TZ Mountain", "TZ Pacific")
AU_EXAMPLES = ("TZ Sydney", "TZ Brisbane", "TZ Perth")
FOREIGN_TO_US = ("Sydney", "Perth", "Brisbane", "Australia", "Europe/", "London")
FOREIGN_TO_AU = ("Eastern", "Pacific", "Central", "Mountain", "Europe/", "America/")
IANA = re.compile(r"\b(America|Europe|Australia|Asia|Pacific)/\w+")


@dataclass(frozen=True)
class Rule:
    exact: str | None = None
    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    ends: str | None = None
    no_repeats: bool = False


@dataclass(frozen=True)
class Row:
    name: str
    number: str
    turns: tuple[tuple[str, Rule], ...]
    before: tuple[str, ...] = field(default=())  # sent first, answers not checked


ROWS = [
    Row(
        "BEDTIME, US number with one zone: confirmed in Eastern time",
        US_ONE_ZONE,
        (
            (
                "BEDTIME 9:30pm",
                Rule(
                    exact="Cramp Coach: a bedtime stretch tip every night at 9:30 pm "
                    "(Eastern time). Msg & data rates may apply. Reply BEDTIME OFF to stop "
                    "these, STOP to end all, HELP for help."
                ),
            ),
        ),
    ),
    Row(
        "BEDTIME, US number with two zones: US examples, then a US zone name",
        US_TWO_ZONES,
        (
            ("BEDTIME 9:30pm", Rule(has=("Which time zone", *US_EXAMPLES), lacks=FOREIGN_TO_US)),
            ("TZ Mountain", Rule(has=("every night at 9:30 pm (Mountain time)",))),
        ),
    ),
    Row(
        "BEDTIME, UK number: confirmed in UK time",
        UK,
        (
            (
                "bedtime 21:30",
                Rule(has=("every night at 9:30 pm (UK time)",), lacks=("Europe/", "GMT")),
            ),
        ),
    ),
    Row(
        "BEDTIME, Australian mobile: Australian cities, then the city's time",
        AU,
        (
            ("BEDTIME 9pm", Rule(has=("Which time zone", *AU_EXAMPLES), lacks=FOREIGN_TO_AU)),
            ("TZ Narnia", Rule(has=("don't know that time zone", *AU_EXAMPLES))),
            ("Perth", Rule(has=("every night at 9:00 pm (Perth time)",))),
        ),
    ),
    *(
        Row(
            f"BEDTIME 25:00 from {country}: a clear error with an example",
            number,
            (
                (
                    "BEDTIME 25:00",
                    Rule(
                        exact="Sorry, 25:00 isn't a time of day. Reply BEDTIME and a time, "
                        "like BEDTIME 9:30pm or BEDTIME 21:30.",
                    ),
                ),
            ),
        )
        for country, number in (("the US", US_ONE_ZONE), ("the UK", UK), ("Australia", AU))
    ),
    Row(
        "remind me at 13pm: the same error, nothing else",
        UK,
        (("remind me at 13pm", Rule(has=("13pm isn't a time of day", "BEDTIME 9:30pm"))),),
    ),
    *(
        Row(
            f"STOP from {country}: opted out, how to rejoin, and who to call in an emergency",
            number,
            (
                (
                    "STOP",
                    Rule(
                        exact="You won't get more messages from Cramp Coach. Reply START to "
                        f"rejoin. In an emergency, call {emergency}.",
                    ),
                ),
            ),
        )
        for country, number, emergency in (
            ("the US", US_ONE_ZONE, "911"),
            ("the UK", UK, "999"),
            ("Australia", AU, "000"),
        )
    ),
    Row(
        "next with nothing in progress: how to start, each instruction once",
        UK,
        (
            (
                "next",
                Rule(
                    exact="No steps in progress. Text STRETCH for bedtime stretches. Reply "
                    "CRAMP for relief steps, TIPS for prevention, WHY for causes, or HELP.",
                    no_repeats=True,
                ),
            ),
        ),
    ),
    Row(
        "an escalation from the UK: the number as written, no stray spaces",
        UK,
        (("my calf is swollen and I can't breathe", Rule(has=("999",), lacks=("9 9 9",))),),
    ),
]


def check(text: str | None, rule: Rule) -> None:
    assert text is not None, "no answer"
    if rule.exact is not None:
        assert text == rule.exact
    for wanted in rule.has:
        assert wanted in text, f"{wanted!r} missing from {text!r}"
    for unwanted in rule.lacks:
        assert unwanted not in text, f"{unwanted!r} in {text!r}"
    if rule.ends is not None:
        assert text.endswith(rule.ends)
    if rule.no_repeats:
        keywords = re.findall(r"\b[A-Z]{3,}\b", text)
        assert len(keywords) == len(set(keywords)), f"an instruction said twice: {text!r}"
    # Every answer: names people use, and spacing as a person writes.
    assert not IANA.search(text), f"an IANA zone id shown to a person: {text!r}"
    assert "  " not in text and not re.search(r"\s[.,;:!?]", text), f"stray space: {text!r}"


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_texts_people_see(client: FlaskClient, row: Row) -> None:
    phone = Phone(client, row.number)
    for body in row.before:
        phone.text(body)
    for body, rule in row.turns:
        check(phone.text(body), rule)


def test_a_time_that_does_not_exist_starts_nothing(client: FlaskClient) -> None:
    phone = Phone(client, US_ONE_ZONE)
    phone.text("BEDTIME 25:00")
    assert phone.text("next") == ROWS[-2].turns[0][1].exact  # no routine was started
    assert "every night at 9:30 pm" in (phone.text("BEDTIME 9:30pm") or "")
