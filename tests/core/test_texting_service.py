"""The SMS service over the in-memory fake of its storage port (tests/fakes/texting.py):
one text in one transaction, retried MessageSids answered once, opt-outs, the reply
limit, bedtime subscriptions, erasure and delivery reports. The same service on SQLite
and PostgreSQL, through Twilio's signed webhooks, is tests/sms."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from crampvoice.engine import Core
from crampvoice.hashing import NumberHasher
from crampvoice.settings import Limits
from crampvoice.texting.messages import Inbound, StatusReport
from crampvoice.texting.service import Conversations, Deliveries
from tests.fakes.texting import MemoryTexting

UK = "+447400123456"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Service:
    def __init__(self, replies: int = 30) -> None:
        self.storage = MemoryTexting()
        self.now = NOW
        limits = Limits(replies=replies, window=timedelta(hours=1), failures=2)
        hasher = NumberHasher("test-key")
        self.conversations = Conversations(
            self.storage, Core.default(), limits, hasher, clock=lambda: self.now
        )
        self.deliveries = Deliveries(self.storage, limits, hasher, clock=lambda: self.now)
        self.sids = 0

    def text(self, body: str, *, sid: str | None = None, number: str = UK) -> str | None:
        if sid is None:
            self.sids += 1
            sid = f"SM{self.sids:032d}"
        return self.conversations.handle(Inbound(sid, number, body)).text

    @property
    def tables(self):  # type: ignore[no-untyped-def]
        return self.storage.tables


@pytest.fixture
def service() -> Service:
    return Service()


def test_a_text_is_answered_remembered_and_counted(service: Service) -> None:
    assert service.text("what causes cramps")
    [event] = service.tables.events
    assert (event["channel"], event["intent"], event["text"]) == ("sms", "causes", None)
    assert [replies for _, replies, _ in service.tables.budgets.values()] == [1, 1]


def test_a_retried_message_gets_the_same_reply_and_changes_nothing(service: Service) -> None:
    first = service.text("what causes cramps", sid="SM" + "7" * 32)
    again = service.conversations.handle(Inbound("SM" + "7" * 32, UK, "what causes cramps"))
    assert again.duplicate and again.text == first
    assert len(service.tables.events) == 1
    assert [replies for _, replies, _ in service.tables.budgets.values()] == [1, 1]


def test_stop_silences_everything_until_start(service: Service) -> None:
    assert service.text("STOP")
    assert UK in service.tables.stopped
    assert service.text("what causes cramps") is None
    assert service.text("START")
    assert UK not in service.tables.stopped
    assert service.text("what causes cramps")


def test_past_the_limit_one_notice_then_silence_but_escalations_still_answered() -> None:
    service = Service(replies=2)
    assert service.text("what causes cramps")
    assert service.text("tips")
    notice = service.text("why")
    assert notice is not None and notice.startswith("You've sent a lot of messages")
    assert service.text("why") is None
    help_now = service.text("my calf is swollen, red and hot")
    assert help_now is not None and help_now.startswith("Contact the maternity triage")
    service.now += timedelta(hours=1, minutes=1)  # a new window
    assert service.text("why")


def test_bedtime_subscribes_with_the_next_send_and_off_ends_it(service: Service) -> None:
    assert "9:30 pm (UK time)" in (service.text("BEDTIME 9:30pm") or "")
    person = service.tables.people[UK]
    sub = service.tables.subscriptions[person.id]
    assert (sub.at, sub.zone, sub.active) == (time(21, 30), "Europe/London", True)
    assert sub.next_send_at == datetime(2026, 3, 2, 21, 30, tzinfo=UTC)
    assert service.text("BEDTIME OFF")
    assert not service.tables.subscriptions[person.id].active


def test_stop_ends_the_bedtime_prompts_too(service: Service) -> None:
    service.text("BEDTIME 10")
    service.text("STOP")
    [sub] = service.tables.subscriptions.values()
    assert not sub.active and sub.next_send_at is None


def test_delete_then_erase_erases_the_person_and_their_events(service: Service) -> None:
    service.text("what causes cramps")
    assert service.text("DELETE")
    assert service.text("YES")  # not the confirmation word: nothing erased
    assert UK in service.tables.people
    assert service.text("ERASE")
    assert UK not in service.tables.people
    assert service.tables.budgets  # the reply counters are kept through the erasure
    assert service.tables.events == []
    assert all(person is None for _, person in service.tables.processed.values())


def test_opted_out_error_stops_and_failures_turn_scheduled_sends_off(service: Service) -> None:
    service.text("hello")
    service.deliveries.record(StatusReport("SMa", UK, "undelivered", "30003"))
    service.deliveries.record(StatusReport("SMa", UK, "undelivered", "30003"))  # counted once
    assert service.tables.people[UK].scheduled_sends
    service.deliveries.record(StatusReport("SMb", UK, "failed", "30005"))
    assert not service.tables.people[UK].scheduled_sends
    service.deliveries.record(StatusReport("SMc", UK, "failed", "21610"))
    assert service.tables.stopped[UK] == "21610"
