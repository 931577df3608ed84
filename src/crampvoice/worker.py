"""The bedtime dispatcher: due subscriptions in, one prompt per person per night out.

    dispatcher = Dispatcher(store, send, Settings(rate=1.0))
    dispatcher.drain()      # `crampvoice worker --once`: everything due now, then return
    dispatcher.run(stop)    # `crampvoice worker`: until the `stop` event is set

A batch has two steps:

1. **Claim**, one short transaction: due subscriptions, row-locked (`FOR UPDATE SKIP
   LOCKED` on PostgreSQL, so concurrent workers take disjoint batches; SQLite runs one
   writer at a time). Each gets a send row under the UNIQUE (subscription, local date)
   key, "pending", and moves on to its next night (`bedtime.next_send`, DST-safe).
2. **Deliver**, one prompt at a time, paced to `rate` messages per second. Right before
   each send one statement moves the row from "pending" to "sending" only if the person
   has not stopped, their scheduled sends are on and the subscription is still active
   (else "blocked"); only then is the sender called. What it answered is written back
   in one statement per batch.

Never twice: a night's row exists once, and only one worker can move it out of
"pending". A row left "sending" by a killed worker is never attempted again, because
the text may have gone out (Twilio's POST is not idempotent): a crash can lose at most
the one prompt in flight, never send one twice. Never skipped by a crash: rows recorded
but never attempted stay "pending", and the next run takes them over once their claim's
lease has lapsed. Never at the wrong hour: a prompt more than `late` after its time, or
outside the send window, is recorded "missed" and not sent.

Pacing is per worker process: N workers send up to N x `rate` messages per second. On
PostgreSQL run as many workers as the sender's throughput needs; on SQLite run one (the
one `crampvoice serve` starts, or `crampvoice worker`): a second could not send twice,
since SQLite serialises the claims, but it would gain nothing.

No web framework and no twilio here: the sender is any `SendText` callable (the SMS
adapter passes its Twilio-backed `Sender`; tests and benchmarks pass fakes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from crampvoice import bedtime, render
from crampvoice.content import SMS_ONE_SEGMENT, Library, library
from crampvoice.housekeeping import Housekeeping
from crampvoice.storage import Store, repository
from crampvoice.storage.repository import Claim

log = logging.getLogger("crampvoice.worker")

#: Without a configured batch size, a batch holds about this many seconds of sends.
BATCH_SECONDS = 30
MAX_BATCH = 500
#: Sender answers are written back at least this often (sends, seconds).
FLUSH_SENDS = 200
FLUSH_SECONDS = 5.0


class Delivery(Protocol):
    """What a sender answers: "sent", "queued" (outbox), "blocked", "failed" or "unknown"."""

    @property
    def status(self) -> str: ...

    @property
    def sid(self) -> str | None: ...


#: Send one text to one number, once (never retried by the sender).
SendText = Callable[[str, str], Delivery]


@dataclass(frozen=True)
class Sent:
    """A plain `Delivery`, for senders that are not Twilio's (fakes, benchmarks)."""

    status: str = "sent"
    sid: str | None = None


@dataclass(frozen=True)
class Settings:
    rate: float = 1.0  # messages per second, per worker process; 0: unpaced
    batch: int = 0  # sends claimed at once; 0: about BATCH_SECONDS of sends at `rate`
    window: bedtime.Window = field(default_factory=bedtime.Window)  # local send hours
    late: timedelta = timedelta(hours=2)  # a prompt later than this is "missed"
    lease: timedelta | None = None  # a claim older than this is an orphan; None: derived
    idle: float = 30.0  # longest wait, in seconds, when nothing is due

    def batch_size(self) -> int:
        if self.batch > 0:
            return self.batch
        if self.rate <= 0:
            return MAX_BATCH
        return max(1, min(MAX_BATCH, int(self.rate * BATCH_SECONDS)))

    def lease_time(self) -> timedelta:
        """How long a claim is left to its worker: twice a batch's sending time, plus a minute."""
        if self.lease is not None:
            return self.lease
        seconds = self.batch_size() / self.rate if self.rate > 0 else 0.0
        return timedelta(seconds=2 * seconds + 60)


@dataclass(frozen=True)
class Batch:
    claims: tuple[Claim, ...]  # recorded "pending", to deliver
    due: int = 0  # subscriptions found due (and moved on to their next night)
    missed: int = 0  # recorded "missed" at claim time (too late or outside the window)
    orphans: bool = False  # claims taken over from a worker that died


class Dispatcher:
    def __init__(
        self,
        store: Store,
        send: SendText,
        settings: Settings | None = None,
        *,
        content: Library | None = None,
        clock: Callable[[], datetime] = repository.utcnow,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        housekeeping: Housekeeping | None = None,
    ) -> None:
        self.housekeeping = housekeeping  # retention and erasures, hourly (`retention`)
        self.store = store
        self.send = send
        self.settings = settings or Settings()
        self.content = content or library()
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self._next_slot = 0.0
        self._finished: list[tuple[int, str, str | None]] = []  # sent, not yet written
        self._flushed_at = 0.0
        self._stop: threading.Event | None = None  # set by `run`: stop between two sends
        self._checked: dict[tuple[str, int], str] = {}

    # ------------------------------------------------------------------ claim

    def claim(self) -> Batch:
        """Record tonight's sends for the due subscriptions, or take over orphaned ones."""
        now = self.clock()
        limit = self.settings.batch_size()
        with self.store.transaction() as session:
            before = now - self.settings.lease_time()
            orphans = repository.orphaned_sends(session, before=before, now=now, limit=limit)
            if orphans:
                log.info("bedtime: took over %d sends a worker left unsent", len(orphans))
                return Batch(tuple(orphans), orphans=True)
            due = repository.due_subscriptions(session, now, limit)
            prompts = [d.rotation % len(self._prompts(d.locale)) for d in due]
            timely = [self._timely(d.next_send_at, d.zone, now) for d in due]
            recorded = repository.record_sends(
                session,
                [
                    (
                        d.subscription_id,
                        bedtime.local_date(d.next_send_at, d.zone),
                        prompt,
                        d.next_send_at,
                        "pending" if ok else "missed",
                    )
                    for d, prompt, ok in zip(due, prompts, timely, strict=True)
                ],
                now,
            )
            repository.advance_subscriptions(
                session,
                [
                    (
                        d.subscription_id,
                        bedtime.next_send(d.at, d.zone, max(now, d.next_send_at)),
                        d.rotation + (ok and d.subscription_id in recorded),  # missed: not shown
                    )
                    for d, ok in zip(due, timely, strict=True)
                ],
                now,
            )
        claims: list[Claim] = []
        missed = 0
        for d, prompt, ok in zip(due, prompts, timely, strict=True):
            if d.subscription_id not in recorded:
                continue  # tonight's was already recorded (the time was changed after it)
            if ok:
                send_id = recorded[d.subscription_id]
                claims.append(Claim(send_id, d.next_send_at, d.zone, prompt, d.number, d.locale))
            else:
                missed += 1
        return Batch(tuple(claims), due=len(due), missed=missed)

    # ------------------------------------------------------------------ deliver

    def deliver(self, batch: Batch) -> Counter[str]:
        """Send each claim (paced, opt-out checked right before); statuses by count."""
        statuses: Counter[str] = Counter()
        statuses["missed"] += batch.missed
        if not batch.claims:
            return +statuses
        with self.store.statements() as connection:
            try:
                for claim in batch.claims:
                    if self._stop is not None and self._stop.is_set():
                        break  # the rest stay pending: the next run takes them over
                    statuses[self._deliver(connection, claim)] += 1
                    if len(self._finished) >= FLUSH_SENDS or (
                        self._finished and self.monotonic() - self._flushed_at >= FLUSH_SECONDS
                    ):
                        self._flush(connection)
            finally:
                self._flush(connection)
        return +statuses

    def _deliver(self, connection: Connection, claim: Claim) -> str:
        try:
            text = self._text(claim.locale, claim.prompt)
        except (render.BudgetError, IndexError):
            log.exception("bedtime: prompt %d for %s cannot be sent", claim.prompt, claim.locale)
            return self._skip(connection, claim, "failed")
        self._wait_for_slot()
        now = self.clock()
        if not self._timely(claim.due_at, claim.zone, now):
            return self._skip(connection, claim, "missed")
        with connection.begin():
            status = repository.start_send(connection, claim.send_id, now)
        if status != "sending":
            return status or "taken"  # blocked, or another worker got there first
        self._next_slot = self.monotonic() + (1 / self.settings.rate if self.settings.rate else 0)
        try:
            delivery = self.send(claim.number, text)
            result, sid = delivery.status, delivery.sid
        except Exception:  # no answer: it may have gone out, so it stays as it is
            log.exception("bedtime: send %d raised; not retried", claim.send_id)
            result, sid = "unknown", None
        self._finished.append((claim.send_id, result, sid))
        return result

    def _skip(self, connection: Connection, claim: Claim, status: str) -> str:
        with connection.begin():
            repository.skip_send(connection, claim.send_id, status, self.clock())
        return status

    def _flush(self, connection: Connection) -> None:
        if self._finished:
            with connection.begin():
                repository.finish_sends(connection, self._finished, self.clock())
            self._finished = []
        self._flushed_at = self.monotonic()

    def _wait_for_slot(self) -> None:
        wait = self._next_slot - self.monotonic()
        if wait > 0:
            if self._stop is not None:
                self._stop.wait(wait)
            else:
                self.sleep(wait)

    # ------------------------------------------------------------------ loops

    def run_once(self) -> Counter[str]:
        """One batch: claim, then deliver."""
        return self.deliver(self.claim())

    def drain(self) -> Counter[str]:
        """Batches until nothing is due (and no lapsed claim is waiting), then the
        housekeeping: `--once`."""
        total: Counter[str] = Counter()
        while True:
            batch = self.claim()
            if not batch.due and not batch.orphans:
                if self.housekeeping is not None:
                    self.housekeeping.run()
                return total
            total += self.deliver(batch)

    def start_thread(self) -> threading.Event:
        """Run on a daemon thread beside a web server (`crampvoice serve`); set the
        returned event to stop it between two sends."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop,), name="crampvoice-worker", daemon=True
        )
        thread.start()
        return stop

    def run(self, stop: threading.Event) -> None:
        """Batches until `stop` is set; a failing database is logged and retried."""
        self._stop = stop
        log.info(
            "bedtime worker: %s messages/s, batches of %d, send window %s",
            self.settings.rate or "unpaced",
            self.settings.batch_size(),
            _window(self.settings.window),
        )
        while not stop.is_set():
            try:
                if self.housekeeping is not None and self.housekeeping.due():
                    self.housekeeping.run()
                batch = self.claim()
                if batch.due or batch.orphans:
                    counts = self.deliver(batch)
                    log.info("bedtime: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
                    continue
                wait = self._until_next_due()
            except Exception:
                log.exception("bedtime worker: batch failed; trying again")
                wait = self.settings.idle
            stop.wait(wait)

    def _until_next_due(self) -> float:
        with self.store.transaction() as session:
            upcoming = repository.next_due(session)
        if upcoming is None:
            return self.settings.idle
        seconds = (upcoming - self.clock()).total_seconds()
        return min(self.settings.idle, max(0.5, seconds))

    # ------------------------------------------------------------------ helpers

    def _prompts(self, locale: str) -> tuple[str, ...]:
        return self.content.get(locale).reminders

    def _text(self, locale: str, prompt: int) -> str:
        """The prompt, through the gate every outgoing SMS passes (checked once each)."""
        key = (locale, prompt)
        if key not in self._checked:
            self._checked[key] = render.check_sms(self._prompts(locale)[prompt], SMS_ONE_SEGMENT)
        return self._checked[key]

    def _timely(self, due_at: datetime, zone: str, now: datetime) -> bool:
        """Not too late, and inside the send window where the person is (to the minute)."""
        if now - due_at > self.settings.late:
            return False
        local = now.astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)
        return self.settings.window.allows(local)


def _window(window: bedtime.Window) -> str:
    return f"{window.start:%H:%M}-{window.end:%H:%M}"
