"""Daylight-saving changes, both directions, in two hemispheres: the worker's clock moves
across each change and the prompt lands at the chosen local time each night, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crampvoice.storage import Store
from crampvoice.worker import Dispatcher, Settings

from .conftest import Clock, FakeSender, subscribe

STEP = timedelta(hours=1)  # these zones are whole hours from UTC: steps on :30 hit :30
DAYS = 6


def nights(store: Store, zone: str, at: time, start: date) -> list[datetime]:
    """Run the worker every STEP for DAYS days from 12:30 UTC on `start`; local send times."""
    clock = Clock(datetime.combine(start, time(12, 30), tzinfo=UTC))
    sender = FakeSender(clock)
    subscribe(store, "+12015550123", at, zone, clock.now)
    dispatcher = Dispatcher(store, sender, Settings(rate=0), clock=clock)
    for _ in range(DAYS * 24):
        dispatcher.drain()
        clock.advance(STEP)
    return [sent.astimezone(ZoneInfo(zone)) for _, _, sent in sender.calls]


def assert_one_a_night(local: list[datetime]) -> None:
    days = [moment.date() for moment in local]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
    assert len(days) >= DAYS - 1


@pytest.mark.parametrize(
    ("zone", "start", "change"),
    [
        ("America/New_York", date(2026, 3, 5), "clocks go forward on 8 March"),
        ("America/New_York", date(2026, 10, 29), "clocks go back on 1 November"),
        ("Australia/Sydney", date(2026, 4, 2), "clocks go back on 5 April"),
        ("Australia/Sydney", date(2026, 10, 1), "clocks go forward on 4 October"),
    ],
)
def test_half_past_nine_stays_half_past_nine(
    store: Store, zone: str, start: date, change: str
) -> None:
    local = nights(store, zone, time(21, 30), start)
    assert_one_a_night(local)
    assert {(moment.hour, moment.minute) for moment in local} == {(21, 30)}, change
    offsets = {moment.utcoffset() for moment in local}
    assert len(offsets) == 2, f"the test must cross the change ({change})"


def test_a_time_the_clocks_skip_is_sent_once_just_after_the_jump(store: Store) -> None:
    local = nights(store, "America/New_York", time(2, 30), date(2026, 3, 5))
    assert_one_a_night(local)
    jump = [m for m in local if m.date() == date(2026, 3, 8)]
    assert [(m.hour, m.minute) for m in jump] == [(3, 30)]  # 2:30 did not exist that night
    assert {(m.hour, m.minute) for m in local if m.date() != date(2026, 3, 8)} == {(2, 30)}


def test_a_time_that_happens_twice_is_sent_once(store: Store) -> None:
    local = nights(store, "America/New_York", time(1, 30), date(2026, 10, 29))
    assert_one_a_night(local)
    assert {(m.hour, m.minute) for m in local} == {(1, 30)}
    assert len([m for m in local if m.date() == date(2026, 11, 1)]) == 1
