"""The bedtime worker: 100,000 due subscriptions claimed and dispatched on PostgreSQL.

A throwaway PostgreSQL server (the one the tests start: tests/conftest.py) gets 100,000
subscribers whose prompt is due; one worker process per core (`crampvoice.worker.
Dispatcher`, the code `crampvoice worker` runs, unpaced, with a fake sender that only
counts) drains them. Every statement each worker sends is counted and timed through
SQLAlchemy's cursor events, so the report gives the database cost per send: one
statement (the opt-out check that takes the send) plus a share of each batch's claim
and result statements (BEGIN/COMMIT and connection checks are not counted).

Reproduce: make bench   (or: .venv/bin/python -m bench worker)
Target: all 100,000 sent, each exactly once, within 60 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.stats import verdict

ROOT = Path(__file__).parents[1]
SUBSCRIPTIONS = 100_000
WORKERS = max(2, os.cpu_count() or 2)  # one worker process per core
TARGET_SECONDS = 60.0
ZONE = "America/New_York"

CHILD = """
import json, sys, time
from sqlalchemy import event
from crampvoice.storage import Store
from crampvoice.worker import Dispatcher, Sent, Settings

store = Store(sys.argv[1])
stats = {"statements": 0, "db_seconds": 0.0, "sends": 0}
started = {}

@event.listens_for(store.engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany):
    started[id(cursor)] = time.perf_counter()

@event.listens_for(store.engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany):
    stats["statements"] += 1
    stats["db_seconds"] += time.perf_counter() - started.pop(id(cursor))

def send(number, text):
    stats["sends"] += 1
    return Sent("sent", "SM" + number)

t = time.perf_counter()
counts = Dispatcher(store, send, Settings(rate=0)).drain()
stats["seconds"] = time.perf_counter() - t
stats["counts"] = dict(counts)
store.dispose()
print(json.dumps(stats))
"""


def _seed(url: str) -> float:
    from sqlalchemy import insert, select

    from crampvoice.storage import Store, upgrade
    from crampvoice.storage.models import Person, Subscription

    upgrade(url)
    store = Store(url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    t = time.perf_counter()
    with store.transaction() as session:
        session.execute(
            insert(Person),
            [
                {
                    "number": f"+1201{n:07d}",
                    "locale": "en-US",
                    "state": {},
                    "scheduled_sends": True,
                    "consecutive_failures": 0,
                    "window_replies": 0,
                    "created_at": due,
                    "updated_at": due,
                }
                for n in range(SUBSCRIPTIONS)
            ],
        )
        ids = list(session.scalars(select(Person.id)))
        local = due.astimezone(ZoneInfo(ZONE)).time().replace(second=0, microsecond=0)
        session.execute(
            insert(Subscription),
            [
                {
                    "person_id": person_id,
                    "local_time": local,
                    "zone": ZONE,
                    "next_send_at": due,
                    "active": True,
                    "rotation": 0,
                    "created_at": due,
                    "updated_at": due,
                }
                for person_id in ids
            ],
        )
    store.dispose()
    return time.perf_counter() - t


def _check(url: str) -> dict[str, int]:
    from crampvoice.storage import Store, repository

    store = Store(url)
    try:
        with store.transaction() as session:
            return repository.send_counts(session)
    finally:
        store.dispose()


def _dispatch(url: str) -> tuple[float, list[dict[str, Any]]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"a worker failed: {err[-2000:]}")
        results.append(json.loads(out))
    return time.perf_counter() - t, results


def run() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import PostgresServer, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        return ["no PostgreSQL server (initdb) found: run scripts/ensure-postgres; MISSED"]
    server = PostgresServer(bindir)
    try:
        server.start()
        name = f"bench_{uuid.uuid4().hex[:8]}"
        server.create_database(name)
        url = server.url(name)
        seeded = _seed(url)
        elapsed, results = _dispatch(url)
        counts = _check(url)
    finally:
        server.stop()

    sends = sum(r["sends"] for r in results)
    statements = sum(r["statements"] for r in results)
    db_ms = sum(r["db_seconds"] for r in results) * 1000
    busiest = max(r["seconds"] for r in results)
    exact = counts == {"sent": SUBSCRIPTIONS} and sends == SUBSCRIPTIONS
    return [
        f"{SUBSCRIPTIONS:,} due subscriptions on PostgreSQL (seeded in {seeded:.1f} s), "
        f"{WORKERS} worker processes, fake sender, unpaced",
        f"dispatched: {sends:,} sends, each exactly once: {'yes' if exact else 'NO: MISSED'} "
        f"(sends by status: {counts})",
        f"total time: {elapsed:.1f} s, processes started to last one done "
        f"[target <= {TARGET_SECONDS:.0f} s: {verdict(elapsed, TARGET_SECONDS)}]",
        f"throughput: {sends / elapsed:,.0f} sends/s; per worker: "
        f"{sum(r['sends'] / r['seconds'] for r in results) / len(results):,.0f} sends/s "
        f"(slowest worker {busiest:.1f} s)",
        f"database cost per send: {statements / sends:.2f} statements, "
        f"{db_ms / sends:.3f} ms in the database (round trips included), "
        f"from {statements:,} statements in {db_ms / 1000:.1f} s across the workers",
        "reproduce: make bench  (or .venv/bin/python -m bench worker)",
    ]
