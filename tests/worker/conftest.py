"""Fixtures for the bedtime worker: a migrated database, subscribers added straight into
it, a clock the test moves, and fake senders that remember every call."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from crampvoice import bedtime
from crampvoice.storage import Store, repository, upgrade
from crampvoice.storage.models import Person, Subscription
from crampvoice.worker import Sent
from tests.conftest import PostgresServer

FAKE_WORKER = Path(__file__).with_name("fake_worker.py")


class Clock:
    """The worker's idea of now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class FakeSender:
    """Records (number, text, when) for each send; answers like Twilio accepting it."""

    def __init__(self, clock: Clock | None = None, status: str = "sent") -> None:
        self.clock = clock
        self.status = status
        self.calls: list[tuple[str, str, datetime]] = []

    def __call__(self, number: str, text: str) -> Sent:
        self.calls.append((number, text, self.clock() if self.clock else datetime.now(UTC)))
        return Sent(self.status, f"SM{len(self.calls):032d}")

    @property
    def numbers(self) -> list[str]:
        return [number for number, _, _ in self.calls]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, migrated once and copied for each test."""
    path = tmp_path_factory.mktemp("worker-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres: PostgresServer) -> str:
    """A PostgreSQL database at the newest schema: the template of each test's database."""
    name = f"template_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    upgrade(postgres.url(name))
    return name


def _copy_of(postgres: PostgresServer, template: str) -> str:
    import psycopg

    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres",
                         dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'.encode())
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated database, on SQLite and on PostgreSQL (as `database_url`, migrated)."""
    if request.param == "sqlite":
        path = tmp_path / "crampvoice.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        store = Store(f"sqlite:///{path}")
        yield store
        store.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = _copy_of(server, request.getfixturevalue("migrated_postgres"))
    store = Store(server.url(name))
    try:
        yield store
    finally:
        store.dispose()
        server.drop_database(name)


@pytest.fixture
def pg_store(postgres: PostgresServer, migrated_postgres: str) -> Iterator[Store]:
    """A migrated PostgreSQL database only (several workers at once need SKIP LOCKED)."""
    name = _copy_of(postgres, migrated_postgres)
    store = Store(postgres.url(name))
    try:
        yield store
    finally:
        store.dispose()
        postgres.drop_database(name)


def subscribe(
    store: Store, number: str, at: time, zone: str, now: datetime, locale: str = "en-US"
) -> None:
    """A person who texted BEDTIME at `now` (the SMS tests cover how they get here)."""
    with store.transaction() as session:
        person = repository.add_person(session, number, locale, now)
        repository.save_subscription(
            session, person.id, at=at, zone=zone, active=True,
            next_send_at=bedtime.next_send(at, zone, now), now=now,
        )


def seed_due(store: Store, count: int, due: datetime, zone: str = "America/New_York") -> None:
    """`count` subscribers whose prompt fell due at `due`, in two bulk statements."""
    local = due.astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)
    with store.transaction() as session:
        session.execute(insert(Person), [
            {"number": f"+1201{n:07d}", "locale": "en-US", "state": {}, "scheduled_sends": True,
             "consecutive_failures": 0, "window_replies": 0, "created_at": due,
             "updated_at": due}
            for n in range(count)
        ])
        ids = list(session.scalars(select(Person.id)))
        session.execute(insert(Subscription), [
            {"person_id": person_id, "local_time": local, "zone": zone, "next_send_at": due,
             "active": True, "rotation": 0, "created_at": due, "updated_at": due}
            for person_id in ids
        ])
