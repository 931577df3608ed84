"""The worker's housekeeping: the retention periods (`crampvoice.retention`), reply
budgets past their window, and erasures waiting for Twilio's stored messages to be
deleted; then the SQLite WAL truncated. Safe to run from several workers at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from crampvoice.retention import DEFAULT_DAYS, EVERY, Retention
from crampvoice.storage import Store
from crampvoice.storage import retention as purge

log = logging.getLogger("crampvoice.retention")

Forget = Callable[[str], int]  # delete what the SMS provider stores about a number


class Housekeeping:
    """The purge job, run by the worker every `EVERY` (`due`), and at each `--once`."""

    def __init__(
        self,
        store: Store,
        retention: Retention,
        window: timedelta,
        forget: Forget | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.retention = retention
        self.window = window
        self.forget = forget
        self.clock = clock
        self.next_run: datetime | None = None

    def due(self) -> bool:
        return self.next_run is None or self.clock() >= self.next_run

    def run(self) -> dict[str, int]:
        now = self.clock()
        self.next_run = now + EVERY
        cutoffs = {name: self.retention.cutoff(name, now) for name in DEFAULT_DAYS}
        with self.store.transaction() as session:
            counts = purge.purge(session, cutoffs, now - self.window)
        counts["forgotten"] = self._forget(now)
        self.store.forget_traces()
        if any(counts.values()):
            log.info("housekeeping: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
        return counts

    def _forget(self, now: datetime) -> int:
        with self.store.transaction() as session:
            waiting = purge.waiting_erasures(session, now)
        done = 0
        for number in waiting:
            if self.forget is None:
                log.warning("housekeeping: an erasure cannot reach Twilio's stored messages "
                            "(no TWILIO_ACCOUNT_SID): delete them in the console")
                gone = True
            else:
                try:
                    self.forget(number)
                    gone = True
                except Exception as error:  # Twilio down, or a message still sending
                    log.warning("housekeeping: Twilio erasure failed (%s); retried later",
                                type(error).__name__)
                    gone = False
            with self.store.transaction() as session:
                purge.finish_erasure(session, number, gone, now)
            done += int(gone)
        return done
