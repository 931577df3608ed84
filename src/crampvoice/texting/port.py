"""The storage port of the SMS service: what one text needs from the database.

A turn reads, decides with nothing held, then writes once:

    conversation, spent = storage.read_turn("+447700900123", key, locale_for=..., at=now,
                                            window=window)
    decision = decide(...)                   # the core: no lock, no transaction open
    with storage.transaction() as tx:        # one short transaction, committed on success
        person_id = tx.save_turn(conversation, sid="SM...", reply="...", ...)
        ...                                  # the turn's action (opt-out, erasure, bedtime)

`save_turn` stores the state only if nobody changed the conversation since it was read
(`Conversation.version`), else it raises `Conflict` and the service reads and decides
again. A MessageSid stored twice raises `Conflict` too (and the transaction rolls back
whole): that is how a retried webhook, even one that arrives while the first is still
running, is answered once.

A database that is down, locked past the short busy timeout, or read-only raises
`Unavailable`: the service then answers without it (`crampvoice.texting.service`).
`crampvoice.storage.texting.SqlTexting` is the real port (SQLite, PostgreSQL); the unit
tests of the service use an in-memory fake of the same port.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from crampvoice.bedtime import Schedule
from crampvoice.texting.budget import Spent


class Conflict(Exception):
    """A unique key is taken (the MessageSid was already stored, or the person was added
    by a concurrent transaction), or the conversation changed since it was read. The
    transaction was rolled back."""


class Unavailable(Exception):
    """The database did not answer in time, or refused the write (down, locked, read-only,
    out of connections). Nothing of the transaction was kept."""


@dataclass(frozen=True)
class Conversation:
    """What the webhook needs about a number, read in one query, no lock held.
    `person_id` None: the number is new (the person is added when the turn is saved);
    `version` is what `save_turn` checks has not changed meanwhile."""

    person_id: int | None
    locale: str
    state: dict[str, Any]
    stopped: bool
    bedtime: Schedule | None = None
    version: datetime | None = None


@dataclass(frozen=True)
class TurnEvent:
    """One turn for the dashboard: what was asked and how it was triaged, never who
    (`sender` is the keyed hash); `text` is kept (scrubbed) only when not answered."""

    intent: str
    triage: str
    locale: str
    answered: bool
    sender: str | None = None
    text: str | None = None
    channel: str = "sms"


class TextingTransaction(Protocol):
    """The operations of one (write) transaction."""

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
        """Store the turn: the person (added if new), the new state (None: unchanged) if
        the conversation is still as read, the MessageSid with its reply, the event
        (replies are counted by `spend`). The person's id; `Conflict` if the MessageSid
        is taken or the conversation changed meanwhile."""
        ...

    def record_processed(self, sid: str, reply: str, at: datetime) -> None: ...

    def spend(self, key: str, at: datetime, window: timedelta, *, escalation: bool) -> None:
        """One reply counted for `key` and for everyone (kept through an erasure)."""
        ...

    def erase(self, number: str, *, sender: str | None) -> None: ...

    def request_provider_erasure(self, number: str, at: datetime) -> None:
        """Remember that the provider's stored messages for `number` are to be deleted
        (the worker's housekeeping does it, then forgets the number)."""
        ...

    def opt_out(self, number: str, source: str, at: datetime) -> None: ...

    def opt_in(self, number: str) -> None: ...

    def save_subscription(
        self,
        person_id: int,
        *,
        at: time | None,
        zone: str,
        active: bool,
        next_send_at: datetime | None,
        now: datetime,
    ) -> None: ...

    def record_event(
        self,
        *,
        channel: str,
        intent: str,
        triage: str,
        locale: str,
        answered: bool,
        at: datetime,
        sender: str | None = None,
        text: str | None = None,
    ) -> None: ...

    def record_delivery(
        self,
        number: str,
        message_sid: str,
        status: str,
        error_code: str | None,
        at: datetime,
        *,
        failure_limit: int,
    ) -> None: ...


class TextingStorage(Protocol):
    def read_turn(
        self,
        number: str,
        budget_key: str,
        *,
        locale_for: Callable[[str], str],
        at: datetime,
        window: timedelta,
    ) -> tuple[Conversation, Spent]:
        """Where the person texting from `number` stands (`locale_for` a new number), and
        the reply budget's counters for `budget_key` (a number's keyed hash) and everyone:
        one read, without taking or waiting for any write lock (`spend` in the turn's
        write counts)."""
        ...

    def processed_reply(self, sid: str) -> str | None:
        """The reply already given to this MessageSid ("" for none), or None if new."""
        ...

    def transaction(self) -> AbstractContextManager[TextingTransaction]:
        """One write transaction: committed on success, rolled back on error (`Conflict`
        for a unique key already taken, `Unavailable` for a database that is not)."""
        ...
