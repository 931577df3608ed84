"""Real worker processes on one database: four at once on PostgreSQL send each prompt
exactly once; a worker killed mid-batch leaves nothing twice, and the next run sends
the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crampvoice.storage import Store, repository
from crampvoice.storage.models import Person, Send, Subscription
from crampvoice.worker import Dispatcher, Settings

from .conftest import FAKE_WORKER, Clock, FakeSender, seed_due

ROOT = Path(__file__).parents[2]


def start(url: str, output: Path, rate: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(FAKE_WORKER), url, str(output), str(rate)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.postgres
def test_four_workers_send_ten_thousand_prompts_exactly_once(
    pg_store: Store, tmp_path: Path
) -> None:
    store, total = pg_store, 10_000
    seed_due(store, total, datetime.now(UTC) - timedelta(minutes=1))
    outputs = [tmp_path / f"worker{n}.txt" for n in range(4)]
    workers = [start(store.url, output) for output in outputs]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    sent = [number for output in outputs for number in lines(output)]
    assert len(sent) == total and len(set(sent)) == total  # every one, none twice
    with store.transaction() as session:
        assert repository.send_counts(session) == {"sent": total}
    assert sum(1 for output in outputs if lines(output)) >= 2  # the work was shared


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_the_next_run_sends_the_rest(
    store: Store, tmp_path: Path
) -> None:
    total, kill_after = 1_500, 300
    seed_due(store, total, datetime.now(UTC) - timedelta(minutes=1))
    output = tmp_path / "killed.txt"
    worker = start(store.url, output, rate=500)  # batches of 500, about 3 s of sending
    deadline = time.monotonic() + 60
    while len(lines(output)) < kill_after:
        assert worker.poll() is None, worker.communicate()[1]
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    before = lines(output)
    assert kill_after <= len(before) < total

    # The next run, once the dead worker's claims have lapsed.
    sender = FakeSender()
    clock = Clock(datetime.now(UTC) + Settings(rate=500).lease_time() + timedelta(seconds=1))
    Dispatcher(store, sender, Settings(rate=0), clock=clock).drain()

    sent = before + sender.numbers
    assert len(sent) == len(set(sent))  # nothing twice
    assert len(sent) >= total - 1  # at most the one send in flight at the kill is lost
    by_status = numbers_by_status(store)
    assert sum(len(numbers) for numbers in by_status.values()) == total
    assert set(by_status) <= {"sent", "sending"}  # nothing left pending
    # Rows the killed worker had taken for sending are never attempted again: sent before
    # the kill (their "sent" was not written yet), or the one in flight, lost.
    sending = by_status.get("sending", set())
    assert not sending & set(sender.numbers)
    assert len(sending - set(before)) <= 1
    assert by_status["sent"] <= set(sent)


def numbers_by_status(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with store.transaction() as session:
        rows = session.execute(
            select(Send.status, Person.number)
            .join(Subscription, Subscription.id == Send.subscription_id)
            .join(Person, Person.id == Subscription.person_id)
        )
        for status, number in rows:
            found.setdefault(status, set()).add(number)
    return found
