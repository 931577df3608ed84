"""The dispatcher's promises, one at a time: prompts rotate, nothing goes late or outside
the send window, nothing goes twice in a night, a send that may have gone through is
never attempted again, and the pace holds."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update

from crampvoice import bedtime
from crampvoice.content import library
from crampvoice.storage import Store, repository
from crampvoice.storage.models import Person
from crampvoice.worker import Dispatcher, Sent, Settings

from .conftest import Clock, FakeSender, subscribe

NUMBER = "+12015550123"
ZONE = "America/New_York"
NINE_THIRTY = time(21, 30)
# 2026-06-01 21:30 in New York (EDT, UTC-4) is 2026-06-02 01:30 UTC.
DUE = datetime(2026, 6, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(DUE - timedelta(hours=3))


@pytest.fixture
def subscribed(store: Store, clock: Clock) -> Store:
    subscribe(store, NUMBER, NINE_THIRTY, ZONE, clock.now)
    return store


def statuses(store: Store) -> list[str]:
    with store.transaction() as session:
        return [send.status for send in repository.sends(session, NUMBER)]


def test_prompts_rotate_night_after_night(subscribed: Store, clock: Clock) -> None:
    sender = FakeSender(clock)
    dispatcher = Dispatcher(subscribed, sender, Settings(rate=0), clock=clock)
    prompts = library().get("en-US").reminders
    clock.now = DUE
    for _ in range(len(prompts) + 1):
        assert dispatcher.drain() == {"sent": 1}
        assert dispatcher.drain() == {}  # nothing more that night
        clock.advance(timedelta(days=1))
    assert [text for _, text, _ in sender.calls] == [*prompts, prompts[0]]
    assert statuses(subscribed) == ["sent"] * (len(prompts) + 1)


def test_nothing_is_sent_before_its_time(subscribed: Store, clock: Clock) -> None:
    sender = FakeSender(clock)
    clock.now = DUE - timedelta(seconds=1)
    assert Dispatcher(subscribed, sender, Settings(rate=0), clock=clock).drain() == {}
    assert sender.calls == []


def test_a_prompt_hours_late_is_missed_not_sent(subscribed: Store, clock: Clock) -> None:
    sender = FakeSender(clock)
    clock.now = DUE + timedelta(hours=3)  # the worker was down all evening
    settings = Settings(rate=0, late=timedelta(hours=2))
    assert Dispatcher(subscribed, sender, settings, clock=clock).drain() == {"missed": 1}
    assert sender.calls == [] and statuses(subscribed) == ["missed"]
    with subscribed.transaction() as session:
        found = repository.subscription(session, NUMBER)
        assert found is not None and found.next_send_at == DUE + timedelta(days=1)


def test_nothing_goes_outside_the_send_window(store: Store, clock: Clock) -> None:
    subscribe(store, NUMBER, time(21, 0), ZONE, clock.now)
    sender = FakeSender(clock)
    settings = Settings(rate=0, window=bedtime.Window.parse("08:00-21:00"))
    clock.now = DUE - timedelta(minutes=30) + timedelta(minutes=1, seconds=30)  # 21:01:30
    assert Dispatcher(store, sender, settings, clock=clock).drain() == {"missed": 1}
    assert sender.calls == []
    clock.advance(timedelta(days=1, minutes=-1))  # 21:00:30 the next night: in the window
    assert Dispatcher(store, sender, settings, clock=clock).drain() == {"sent": 1}


def test_a_later_time_the_same_night_does_not_send_again(subscribed: Store, clock: Clock) -> None:
    sender = FakeSender(clock)
    dispatcher = Dispatcher(subscribed, sender, Settings(rate=0), clock=clock)
    clock.now = DUE
    dispatcher.drain()
    with subscribed.transaction() as session:  # at 21:40 the person moves bedtime to 22:00
        person = repository.person(session, NUMBER)
        assert person is not None
        repository.save_subscription(
            session, person.id, at=time(22, 0), zone=ZONE, active=True,
            next_send_at=bedtime.next_send(time(22, 0), ZONE, DUE + timedelta(minutes=10)),
            now=DUE + timedelta(minutes=10),
        )
    clock.now = DUE + timedelta(minutes=31)
    assert dispatcher.drain() == {}
    clock.advance(timedelta(days=1))
    assert dispatcher.drain() == {"sent": 1}
    assert len(sender.calls) == 2


def test_scheduled_sends_turned_off_by_failures_block_the_prompt(
    subscribed: Store, clock: Clock
) -> None:
    with subscribed.transaction() as session:
        session.execute(update(Person).values(scheduled_sends=False))
    sender = FakeSender(clock)
    clock.now = DUE
    assert Dispatcher(subscribed, sender, Settings(rate=0), clock=clock).drain() == {"blocked": 1}
    assert sender.calls == []


@pytest.mark.parametrize("answer", ["failed", "unknown"])
def test_a_failed_or_unanswered_send_is_not_attempted_again(
    subscribed: Store, clock: Clock, answer: str
) -> None:
    sender = FakeSender(clock, status=answer)
    clock.now = DUE
    dispatcher = Dispatcher(subscribed, sender, Settings(rate=0), clock=clock)
    assert dispatcher.drain() == {answer: 1}
    clock.advance(timedelta(minutes=30))
    assert dispatcher.drain() == {}
    assert len(sender.calls) == 1 and statuses(subscribed) == [answer]


def test_a_sender_that_raises_is_recorded_unknown_and_not_retried(
    subscribed: Store, clock: Clock
) -> None:
    calls: list[str] = []

    def broken(number: str, text: str) -> Sent:
        calls.append(number)
        raise ConnectionError("connection reset")

    clock.now = DUE
    dispatcher = Dispatcher(subscribed, broken, Settings(rate=0), clock=clock)
    assert dispatcher.drain() == {"unknown": 1}
    clock.advance(timedelta(hours=1))
    assert dispatcher.drain() == {}
    assert calls == [NUMBER] and statuses(subscribed) == ["unknown"]


def test_the_pace_holds_to_the_configured_rate(store: Store, clock: Clock) -> None:
    for n in range(5):
        subscribe(store, f"+1201555{n:04d}", NINE_THIRTY, ZONE, clock.now)
    clock.now = DUE
    ticks = Clock(datetime(2026, 1, 1, tzinfo=UTC))  # a monotonic clock moved by sleeping
    sent_at: list[float] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        ticks.advance(timedelta(seconds=seconds))

    def send(number: str, text: str) -> Sent:
        sent_at.append(ticks.now.timestamp())
        return Sent()

    dispatcher = Dispatcher(store, send, Settings(rate=2), clock=clock, sleep=sleep,
                            monotonic=lambda: ticks.now.timestamp())
    assert dispatcher.drain() == {"sent": 5}
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent_at)]
    assert gaps == [0.5] * 4 and len(slept) == 4


def test_claims_a_dead_worker_left_are_taken_over_after_their_lease(
    subscribed: Store, clock: Clock
) -> None:
    clock.now = DUE
    settings = Settings(rate=0, lease=timedelta(minutes=5))
    dead = Dispatcher(subscribed, FakeSender(clock), settings, clock=clock)
    batch = dead.claim()  # ... and the process dies before sending anything
    assert len(batch.claims) == 1 and statuses(subscribed) == ["pending"]
    sender = FakeSender(clock)
    next_run = Dispatcher(subscribed, sender, settings, clock=clock)
    clock.advance(timedelta(minutes=4))
    assert next_run.drain() == {} and sender.calls == []  # still the first worker's
    clock.advance(timedelta(minutes=2))
    assert next_run.drain() == {"sent": 1}
    assert dead.deliver(batch) == {"taken": 1}  # had it woken up: nothing twice
    assert len(sender.calls) == 1 and statuses(subscribed) == ["sent"]


def test_active_subscriptions_are_counted(subscribed: Store, clock: Clock) -> None:
    with subscribed.transaction() as session:
        assert repository.count_active_subscriptions(session) == 1
        repository.opt_out(session, NUMBER, "keyword", clock.now)
    with subscribed.transaction() as session:
        assert repository.count_active_subscriptions(session) == 0
