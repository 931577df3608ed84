"""An in-memory fake of the SMS service's storage port (`crampvoice.texting.port`), for
unit tests of the service: the same operations as `SqlTexting`, on plain dicts. A
transaction works on a copy and keeps it only on success, so a `Conflict` (a MessageSid
stored twice) leaves nothing behind, as a rolled-back database transaction does. The
rules (reply counting, deliverability) are the core's, shared with the real storage; the
real SQLite and PostgreSQL suites (tests/sms, tests/worker) cover the SQL."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from crampvoice import phone
from crampvoice.bedtime import Schedule
from crampvoice.privacy import scrub
from crampvoice.texting.budget import EVERYONE, Spent, after, in_window
from crampvoice.texting.port import Conflict, Conversation, TurnEvent
from crampvoice.texting.rules import FAILED_STATUSES, OPTED_OUT_ERROR, after_delivery


@dataclass
class Person:
    id: int
    number: str
    locale: str
    state: dict[str, Any] = field(default_factory=dict)
    scheduled_sends: bool = True
    failures: int = 0
    version: int = 0


@dataclass
class Subscription:
    at: time | None
    zone: str
    active: bool
    next_send_at: datetime | None


@dataclass
class Tables:
    people: dict[str, Person] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # number -> source
    processed: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    failed_sids: set[str] = field(default_factory=set)
    # key -> (window start, replies, escalations): kept through an erasure
    budgets: dict[str, tuple[datetime, int, int]] = field(default_factory=dict)
    provider_erasures: set[str] = field(default_factory=set)
    next_id: int = 1


class MemoryTransaction:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def _person(self, number: str) -> Person | None:
        return self.t.people.get(phone.e164(number))

    def save_turn(
        self,
        conversation: Conversation,
        *,
        number: str,
        sid: str,
        reply: str,
        state: dict[str, Any] | None,
        at: datetime,
        event: TurnEvent | None,
    ) -> int:
        key = phone.e164(number)
        found = self.t.people.get(key)
        if conversation.person_id is None:
            if found is not None:
                raise Conflict(f"{key} was added meanwhile")
            found = Person(self.t.next_id, key, conversation.locale)
            self.t.next_id += 1
            self.t.people[key] = found
        elif found is None or found.id != conversation.person_id or (
            _version(found) != conversation.version
        ):
            raise Conflict("the conversation changed since it was read")
        found.state = conversation.state if state is None else state
        found.version += 1
        self._processed(sid, reply, found.id)
        if event is not None:
            self.record_event(
                channel=event.channel, intent=event.intent, triage=event.triage,
                locale=event.locale, answered=event.answered, at=at, sender=event.sender,
                text=event.text,
            )
        return found.id

    def _processed(self, sid: str, reply: str, person_id: int | None) -> None:
        if sid in self.t.processed:
            raise Conflict(f"MessageSid {sid} is stored already")
        self.t.processed[sid] = (reply, person_id)

    def record_processed(self, sid: str, reply: str, at: datetime) -> None:
        self._processed(sid, reply, None)

    def spend(self, key: str, at: datetime, window: timedelta, *, escalation: bool) -> None:
        for name, urgent in ((key, escalation), (EVERYONE, False)):
            old = self.t.budgets.get(name)
            if old is None:
                self.t.budgets[name] = (at, 1, int(urgent))
                continue
            start, replies = after(old[0], old[1], at, window)
            kept = in_window(old[0], old[2], at, window) if start == old[0] else 0
            self.t.budgets[name] = (start, replies, kept + int(urgent))

    def request_provider_erasure(self, number: str, at: datetime) -> None:
        self.t.provider_erasures.add(phone.e164(number))

    def erase(self, number: str, *, sender: str | None) -> None:
        found = self.t.people.pop(phone.e164(number), None)
        if found is not None:
            self.t.subscriptions.pop(found.id, None)
            for sid, (_, person_id) in list(self.t.processed.items()):
                if person_id == found.id:
                    self.t.processed[sid] = ("", None)
        if sender is not None:
            self.t.events = [e for e in self.t.events if e["sender"] != sender]

    def opt_out(self, number: str, source: str, at: datetime) -> None:
        key = phone.e164(number)
        self.t.stopped.setdefault(key, source)
        found = self.t.people.get(key)
        sub = self.t.subscriptions.get(found.id) if found else None
        if sub is not None and sub.active:
            sub.active, sub.next_send_at = False, None

    def opt_in(self, number: str) -> None:
        key = phone.e164(number)
        self.t.stopped.pop(key, None)
        found = self.t.people.get(key)
        if found is not None:
            found.scheduled_sends, found.failures = True, 0

    def save_subscription(
        self,
        person_id: int,
        *,
        at: time | None,
        zone: str,
        active: bool,
        next_send_at: datetime | None,
        now: datetime,
    ) -> None:
        self.t.subscriptions[person_id] = Subscription(
            at, zone, active, next_send_at if active else None
        )

    def record_event(self, **event: Any) -> None:
        if event["answered"] or not event.get("text"):
            event["text"] = None
        else:
            event["text"] = scrub(event["text"]) or None
        event.setdefault("sender", None)
        self.t.events.append(event)

    def record_delivery(
        self,
        number: str,
        message_sid: str,
        status: str,
        error_code: str | None,
        at: datetime,
        *,
        failure_limit: int,
    ) -> None:
        if error_code == OPTED_OUT_ERROR:
            self.opt_out(number, OPTED_OUT_ERROR, at)
        found = self._person(number)
        if found is None:
            return
        if status in FAILED_STATUSES:
            if message_sid in self.t.failed_sids:
                return
            self.t.failed_sids.add(message_sid)
        failures, scheduled = after_delivery(status, found.failures, failure_limit)
        found.failures = failures
        if scheduled is not None:
            found.scheduled_sends = scheduled


def _version(person: Person) -> datetime:
    """The fake's version of a person: any value that changes with every saved turn."""
    return datetime.fromtimestamp(person.version, UTC)


class MemoryTexting:
    """The port in memory: `tables` is what a committed transaction left."""

    def __init__(self) -> None:
        self.tables = Tables()

    def read_turn(
        self,
        number: str,
        budget_key: str,
        *,
        locale_for: Callable[[str], str],
        at: datetime,
        window: timedelta,
    ) -> tuple[Conversation, Spent]:
        key = phone.e164(number)
        found = self.tables.people.get(key)
        stopped = key in self.tables.stopped
        if found is None:
            conversation = Conversation(None, locale_for(key), {}, stopped)
        else:
            sub = self.tables.subscriptions.get(found.id)
            schedule = None if sub is None else Schedule(sub.at, sub.zone, sub.active)
            conversation = Conversation(
                found.id, found.locale, copy.deepcopy(found.state), stopped, schedule,
                version=_version(found),
            )
        mine, everyone = self.tables.budgets.get(budget_key), self.tables.budgets.get(EVERYONE)
        return conversation, Spent(
            replies=0 if mine is None else in_window(mine[0], mine[1], at, window),
            escalations=0 if mine is None else in_window(mine[0], mine[2], at, window),
            everyone=0 if everyone is None else in_window(everyone[0], everyone[1], at, window),
        )

    def processed_reply(self, sid: str) -> str | None:
        found = self.tables.processed.get(sid)
        return None if found is None else found[0]

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        working = copy.deepcopy(self.tables)
        yield MemoryTransaction(working)
        self.tables = working  # committed; an exception above leaves `tables` as it was
