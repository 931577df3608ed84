"""Safety first, storage second: an emergency text gets its escalation, quickly and
never as a 500, whatever the database is doing.

Each fault is real: a SQLite file whose write lock another connection holds, a long read
transaction held open, a database SQLite can only read (as on a read-only disk), a
PostgreSQL server stopped, a PostgreSQL row lock held, and a dashboard reading a million
events on a real server on loopback while texts come in. The deadlines (5 s, 1 s) are
behaviour, far above what a healthy turn takes: Twilio gives up after 15 s.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import text
from werkzeug.serving import make_server

from crampvoice.storage import upgrade
from crampvoice_sms import fake
from crampvoice_web.app import create_app
from crampvoice_web.services import services
from tests.conftest import PostgresServer, postgres_bindir
from tests.sms.conftest import PUBLIC_URL, TOKEN, UK_NUMBER, Phone, settings

EMERGENCY = "my calf is swollen and I can't breathe"
ESCALATION = "Call 999 now"
RELIEF = "i have a cramp in my calf right now"
RELIEF_START = "Straighten your leg"
DEADLINE = 5.0


def timed(phone: Phone, body: str) -> tuple[str | None, float]:
    started = time.monotonic()
    reply = phone.text(body)  # asserts 200 and TwiML
    return reply, time.monotonic() - started


def assert_answered_in_time(phone: Phone) -> None:
    reply, seconds = timed(phone, EMERGENCY)
    assert reply is not None and reply.startswith(ESCALATION), reply
    assert seconds < DEADLINE
    reply, seconds = timed(phone, RELIEF)
    assert reply is not None and reply.startswith(RELIEF_START), reply
    assert seconds < DEADLINE


# --------------------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crampvoice.sqlite3'}"


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Flask]:
    app = create_app(settings(sqlite_url))
    yield app
    services(app).store.dispose()


def storage_failures(app: Flask) -> int:
    count: int = app.extensions["crampvoice_sms"].storage_failures
    return count


def test_sqlite_write_lock_held_by_another_process(sqlite_app: Flask, sqlite_url: str) -> None:
    phone = Phone(sqlite_app.test_client(), UK_NUMBER)
    phone.text("hello")  # the database exists and the person is known
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a stuck writer elsewhere does
    try:
        assert_answered_in_time(phone)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert storage_failures(sqlite_app) == 2
    assert phone.text(RELIEF)  # and once the lock is gone, turns are stored again
    assert storage_failures(sqlite_app) == 2


def test_sqlite_long_read_blocks_nothing(sqlite_app: Flask, sqlite_url: str) -> None:
    phone = Phone(sqlite_app.test_client(), UK_NUMBER)
    phone.text("hello")
    reader = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()  # a read held open
    try:
        assert_answered_in_time(phone)
        reply = phone.text("next")  # the conversation was stored: the guide goes on
        assert reply is not None and not reply.startswith(RELIEF_START)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert storage_failures(sqlite_app) == 0


def test_sqlite_read_only_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db" / "crampvoice.sqlite3"
    path.parent.mkdir()
    upgrade(f"sqlite:///{path}")
    readonly = f"sqlite:///file:{path}?mode=ro&uri=true"
    monkeypatch.chdir(tmp_path)
    app = create_app(settings(readonly, DATABASE_AUTO_UPGRADE=False))
    # A `file:` URI names its file itself: no folder called "file:" is made where it runs.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]
    try:
        phone = Phone(app.test_client(), UK_NUMBER)
        assert_answered_in_time(phone)
        assert storage_failures(app) == 2
        # An action that cannot be stored is not confirmed: the error text says try again.
        reply = phone.text("STOP")
        assert reply is not None and reply.startswith("Sorry, something went wrong")
    finally:
        services(app).store.dispose()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, to stop."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server installed")
    server = PostgresServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_postgres_stopped(own_postgres: PostgresServer) -> None:
    own_postgres.create_database("faults")
    app = create_app(settings(own_postgres.url("faults")))
    try:
        phone = Phone(app.test_client(), UK_NUMBER)
        phone.text("hello")  # connected, pooled, migrated
        own_postgres._run("pg_ctl", "-D", str(own_postgres.data), "-m", "immediate", "-w", "stop")
        own_postgres.port = 0  # stopped: teardown only removes its files
        assert_answered_in_time(phone)
        assert storage_failures(app) == 2
    finally:
        services(app).store.dispose()


@pytest.mark.postgres
def test_postgres_row_locked_elsewhere(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a row lock held by another session: PostgreSQL")
    app = create_app(settings(database_url))
    store = services(app).store
    try:
        phone = Phone(app.test_client(), UK_NUMBER)
        phone.text("hello")
        with store.engine.connect() as other:
            other.execute(text("SELECT id FROM people FOR UPDATE"))  # held until rollback
            assert_answered_in_time(phone)
            other.rollback()
        assert storage_failures(app) == 2
    finally:
        store.dispose()


# --------------------------------------------------------------------------- the dashboard


EVENTS = 1_000_000


def seed_events(store: Any, count: int) -> None:
    """`count` events over the last 90 days, as fast as the database can insert them."""
    with store.engine.begin() as connection:
        if store.sqlite:
            connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :c) "
                    "INSERT INTO events "
                    "(at, channel, intent, triage, locale, answered, sender, text) "
                    "SELECT datetime('now', '-' || (i % 7776000) || ' seconds'), "
                    "CASE i % 3 WHEN 0 THEN 'voice' ELSE 'sms' END, "
                    "CASE i % 5 WHEN 0 THEN 'fallback' ELSE 'relief' END, "
                    "CASE i % 50 WHEN 0 THEN 'emergency' WHEN 1 THEN 'urgent' ELSE 'none' END, "
                    "'en-GB', i % 5 != 0, 'h' || (i % 40000), "
                    "CASE i % 5 WHEN 0 THEN 'words ' || (i % 300) END FROM n"
                ),
                {"c": count},
            )
        else:
            connection.execute(text("SET LOCAL statement_timeout = 0"))
            connection.execute(
                text(
                    "INSERT INTO events "
                    "(at, channel, intent, triage, locale, answered, sender, text) "
                    "SELECT now() at time zone 'utc' - make_interval(secs => i % 7776000), "
                    "CASE i % 3 WHEN 0 THEN 'voice' ELSE 'sms' END, "
                    "CASE i % 5 WHEN 0 THEN 'fallback' ELSE 'relief' END, "
                    "CASE i % 50 WHEN 0 THEN 'emergency' WHEN 1 THEN 'urgent' ELSE 'none' END, "
                    "'en-GB', i % 5 != 0, 'h' || (i % 40000), "
                    "CASE i % 5 WHEN 0 THEN 'words ' || (i % 300) END "
                    "FROM generate_series(1, :c) AS i"
                ),
                {"c": count},
            )
        if not store.sqlite:
            connection.execute(text("ANALYZE events"))


class HttpClient:
    """The fake Twilio's client over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base

    def post(self, path: str, *, data: Any, headers: Any) -> Any:
        response = requests.post(self.base + path, data=data, headers=headers, timeout=30)
        response.get_data = lambda as_text=True: response.text  # type: ignore[attr-defined]
        return response


OPERATOR = "Fault-Suite-Operator-Token-5d8e2a9c4f71"


def operator_cookie(base: str) -> dict[str, str]:
    """The session cookie of an operator logged in at /login (deployed, the dashboard
    always needs it). Sent by hand: the cookie is Secure (the public URL is https) and
    this server is plain http on loopback."""
    page = requests.get(base + "/login", timeout=30)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF token in the login form"
    answer = requests.post(
        base + "/login",
        data={"csrf_token": found.group(1), "token": OPERATOR, "next": "/dashboard"},
        headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in page.cookies)},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.status_code
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in answer.cookies)}


def test_dashboard_over_a_million_events_delays_no_text(database_url: str) -> None:
    app = create_app(settings(database_url, CRAMPVOICE_DASHBOARD_TOKEN=OPERATOR))
    store = services(app).store
    seed_events(store, EVENTS)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.port}"
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        twilio = fake.Twilio(HttpClient(base), token=TOKEN, public_url=PUBLIC_URL)
        assert twilio.text(UK_NUMBER, "hello")
        operator = operator_cookie(base)
        dashboard: dict[str, Any] = {}

        def look() -> None:
            started = time.monotonic()
            dashboard["response"] = requests.get(
                base + "/dashboard?days=90", headers=operator, timeout=120
            )
            dashboard["seconds"] = time.monotonic() - started

        looking = threading.Thread(target=look)
        looking.start()
        time.sleep(0.2)  # the dashboard's queries are under way
        slowest, texts = 0.0, 0
        while looking.is_alive() or texts < 5:
            started = time.monotonic()
            number = f"+44740012{texts % 10000:04d}"  # each a new person: no reply limit
            [reply] = twilio.text(number, EMERGENCY if texts % 2 else RELIEF)
            slowest = max(slowest, time.monotonic() - started)
            texts += 1
            assert reply.startswith(ESCALATION if texts % 2 == 0 else RELIEF_START)
        looking.join()
        assert dashboard["response"].status_code == 200
        assert slowest < 1.0, (slowest, texts, dashboard["seconds"])
        print(f"dashboard {dashboard['seconds']:.1f} s; {texts} texts meanwhile, "
              f"slowest {slowest * 1000:.0f} ms")
        assert app.extensions["crampvoice_sms"].storage_failures == 0
    finally:
        server.shutdown()
        store.dispose()
