"""The storage port of the SMS service: what one text needs from the database, as one
unit of work. `crampvoice.storage.texting.SqlTexting` is the real one (SQLite,
PostgreSQL); the unit tests of the service use an in-memory fake of the same port.

    with storage.transaction() as tx:       # one transaction, committed on success
        conversation = tx.open_conversation("+447700900123", locale_for=..., at=now)
        ...
        tx.close_conversation(conversation, sid="SM...", reply="...", ...)

A MessageSid stored twice raises `Conflict` (and the transaction rolls back whole): that
is how a retried webhook, even one that arrives while the first is still running, is
answered once.
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
    """A unique key is taken: the MessageSid was already stored, or the person was
    added by a concurrent transaction. The transaction was rolled back."""


@dataclass(frozen=True)
class Conversation:
    """What the webhook needs about a number, read in one query with the row locked."""

    person_id: int
    locale: str
    state: dict[str, Any]
    stopped: bool
    window_start: datetime | None
    window_replies: int
    bedtime: Schedule | None = None

    def replies_in_window(self, at: datetime, window: timedelta) -> int:
        """Replies counted against this number in the window running at `at`."""
        start = self.window_start
        if start is None or start + window <= at or start > at:
            return 0
        return self.window_replies

    def counter_after(
        self, counted: bool, at: datetime, window: timedelta
    ) -> tuple[datetime | None, int]:
        """(window start, replies) once this turn's reply is counted (or not): a counted
        reply in no running window starts one at `at`."""
        start, replies = self.window_start, self.replies_in_window(at, window)
        if counted:
            if replies == 0:
                start = at
            replies += 1
        return start, replies




class TextingTransaction(Protocol):
    """The operations of one transaction."""

    def processed_reply(self, sid: str) -> str | None:
        """The reply already given to this MessageSid ("" for none), or None if new."""
        ...

    def open_conversation(
        self, number: str, *, locale_for: Callable[[str], str], at: datetime
    ) -> Conversation:
        """The person texting from `number` (created on first contact), locked."""
        ...

    def close_conversation(
        self,
        conversation: Conversation,
        *,
        sid: str,
        reply: str,
        state: dict[str, Any] | None,
        counted: bool,
        window: timedelta,
        at: datetime,
    ) -> None:
        """The new state (None: unchanged), the reply counter, the MessageSid."""
        ...

    def record_processed(self, sid: str, reply: str, at: datetime) -> None: ...

    def spent(self, key: str, at: datetime, window: timedelta) -> Spent:
        """The reply budget's counters for `key` (a number's keyed hash) and everyone."""
        ...

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
    def transaction(self) -> AbstractContextManager[TextingTransaction]:
        """One transaction: committed on success, rolled back on error (`Conflict` for
        a unique key already taken)."""
        ...
