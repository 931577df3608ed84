"""Engines and transactions: SQLite by default, PostgreSQL through a URL.

SQLite is set up for a web server with several worker processes: WAL journal,
foreign keys on, a generous busy timeout, and every transaction started with
BEGIN IMMEDIATE so that two writers queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_SECONDS = 30


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting platforms write them) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine whose errors never echo bound values (phone numbers) into logs."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # erased rows are zeroed, not left in pages
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """A database: an engine and sessions that are one transaction each."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """One connection for a run of one-statement transactions, each written
        `with connection.begin(): connection.execute(...)`. On PostgreSQL each statement
        commits by itself (autocommit: one round trip, no BEGIN or COMMIT); on SQLite
        each `begin()` block is its own BEGIN IMMEDIATE transaction, as everywhere."""
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def forget_traces(self) -> bool:
        """After an erasure: on SQLite, copy the WAL into the database and truncate it
        (`wal_checkpoint(TRUNCATE)`), so that the erased rows (zeroed by secure_delete)
        are in no older frame. False when a reader held the WAL (retried by the worker's
        housekeeping); PostgreSQL has nothing to do here (VACUUM reclaims dead rows)."""
        if self.engine.dialect.name != "sqlite":
            return True
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy or busy[0] == 0

    def dispose(self) -> None:
        self.engine.dispose()
