"""Engines and transactions: SQLite by default, PostgreSQL through a URL.

Writes and reads are apart, so that nothing a person waits for queues behind a read:

- `Store.transaction()` is a write transaction. On SQLite it starts with BEGIN IMMEDIATE
  (two writers queue instead of failing on a lock upgrade), after taking the store's
  writer lock: one lock shared by the threads of this process and by the worker
  processes forked from it (gunicorn --preload), which wakes the next writer the moment
  the last one finishes, instead of SQLite's busy handler, which sleeps 1, 2, 5, 10 ms...
  between tries. The busy handler stays as the guard for every other process.
- `Store.read()` is a read-only transaction: a plain (deferred) BEGIN on SQLite, which in
  WAL mode takes no lock a writer waits for; READ ONLY on PostgreSQL. The dashboard reads
  this way; the webhook's first look at a conversation, one statement, reads with no
  transaction at all (`Store.lookup()`: autocommit).

On SQLite no write pays for a checkpoint: SQLite copies its WAL into the database
(and syncs it: 4-5 ms here) inside the commit that crosses `wal_autocheckpoint`, with the
writer lock held, so every other writer waits behind it. Here a `Checkpointer` thread in
each writing process copies the WAL every `CHECKPOINT_SECONDS` with PASSIVE checkpoints,
which never wait for a reader or a writer and hold no lock a writer needs;
`wal_autocheckpoint` stays as a backstop (`BACKSTOP_PAGES`) for a process with no thread.

Every wait is short (`BUSY_SECONDS`): SQLite's busy timeout, PostgreSQL's connect, lock
and statement timeouts, the connection pool's. A database that is down, locked or
read-only fails fast with an `OperationalError`, and the SMS service answers without it
(`crampvoice.texting.service`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("crampvoice.storage")

#: How long a write waits for SQLite's lock, PostgreSQL's row locks, a connection.
BUSY_SECONDS = 2.0
#: How long a write waits for the writer lock before it queues in SQLite's busy handler.
WRITER_LOCK_SECONDS = 1.0
#: PostgreSQL: a statement of the webhook or the worker never runs longer than this;
#: the dashboard's reads allow themselves `READ_STATEMENT_SECONDS`.
STATEMENT_SECONDS = 5.0
READ_STATEMENT_SECONDS = 60.0
#: SQLite: how often the WAL is copied into the database, away from any write (see above).
CHECKPOINT_SECONDS = 0.5
#: SQLite: the WAL's size (in 4 KB pages) at which a commit checkpoints by itself anyway.
BACKSTOP_PAGES = 10_000
_READ_ONLY = "crampvoice_read_only"
_NO_BEGIN = "crampvoice_no_begin"


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting platforms write them) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_folder(url: str) -> str | None:
    """The folder a SQLite file database lives in, to create before the first connection;
    None for any other database, for `:memory:`, and for a `file:` URI (its own options,
    such as `mode=ro`, say whether the file may be made)."""
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return os.path.dirname(database) or None


#: Migrations (and other maintenance) wait as long as it takes another process to migrate.
MAINTENANCE_BUSY_SECONDS = 60.0


def make_engine(url: str, *, maintenance: bool = False) -> Engine:
    """An engine whose errors never echo bound values (phone numbers) into logs; with the
    short waits above, unless `maintenance` (migrations: no limits but a long busy wait)."""
    url = normalise_url(url)
    if not is_sqlite(url) and maintenance:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if not is_sqlite(url):
        timeouts = (
            f"-c lock_timeout={int(BUSY_SECONDS * 1000)} "
            f"-c statement_timeout={int(STATEMENT_SECONDS * 1000)}"
        )
        return create_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            pool_timeout=BUSY_SECONDS,
            connect_args={"connect_timeout": max(1, int(BUSY_SECONDS)), "options": timeouts},
        )
    engine = create_engine(
        url,
        connect_args={"timeout": MAINTENANCE_BUSY_SECONDS if maintenance else BUSY_SECONDS},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # erased rows are zeroed, not left in pages
        if make_url(url).database not in (None, "", ":memory:"):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except Exception:  # a read-only or locked file: it is WAL already, or reads fail
                log.warning("storage: could not set WAL mode on SQLite", exc_info=True)
            cursor.execute("PRAGMA synchronous=NORMAL")
            if not maintenance:  # checkpoints are the Checkpointer's (see the module's doc)
                cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(_NO_BEGIN):
            return  # `Store.lookup`: each statement is its own transaction (autocommit)
        connection.exec_driver_sql("BEGIN" if options.get(_READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


class WriterLock:
    """One writer at a time across this process's threads and the processes forked from
    it (a POSIX semaphore), with a timeout: past it the write goes ahead and SQLite's own
    lock decides, so a process killed while holding this lock stalls no one for long."""

    def __init__(self) -> None:
        try:
            self._lock: Any = multiprocessing.RLock()
        except OSError:  # no /dev/shm: threads of this process only
            self._lock = threading.RLock()

    @contextmanager
    def held(self, timeout: float = WRITER_LOCK_SECONDS) -> Iterator[bool]:
        acquired = bool(self._lock.acquire(timeout=timeout))
        try:
            yield acquired
        finally:
            if acquired:
                self._lock.release()


class Checkpointer:
    """A daemon thread that copies an SQLite WAL into its database every `interval`
    seconds (PASSIVE: it never waits for, or blocks, a reader or a writer). One per
    process that writes: `ensure_running` starts it again in a forked child."""

    def __init__(self, path: str, interval: float = CHECKPOINT_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._pid = 0
        self.thread: threading.Thread | None = None  # this process's, once a write started it
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        if self._pid == os.getpid() or self._stop.is_set():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self.thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        """Until the store stops (or in a forked child, where this thread is not): an
        error is logged once and the next interval tries again, with a new connection if
        the last one failed; meanwhile the backstop (`wal_autocheckpoint`) remains."""
        import sqlite3

        pid = self._pid
        connection: sqlite3.Connection | None = None
        told = False
        try:
            while not self._stop.wait(self.interval) and self._pid == pid:
                try:
                    if connection is None:  # never makes a file: a vanished one stays gone
                        connection = sqlite3.connect(
                            f"file:{self.path}?mode=rw", uri=True, timeout=0,
                            isolation_level=None,
                        )
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    told = False  # working again: the next failure is told too
                except sqlite3.OperationalError as error:  # busy, locked: the next time
                    if "lock" in str(error) or "busy" in str(error):
                        continue
                    told = self._told(told, error)
                    _closed(connection)
                    connection = None
                except Exception as error:  # anything else: a new connection next time
                    told = self._told(told, error)
                    _closed(connection)
                    connection = None
        finally:
            _closed(connection)

    def _told(self, told: bool, error: Exception) -> bool:
        if not told:
            log.warning("storage: a background checkpoint of %s failed (%s); retrying",
                        self.path, error)
        return True


def _closed(connection: Any) -> None:
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _forget_connections(engine: weakref.ref[Engine]) -> None:
    found = engine()
    if found is not None:
        found.dispose(close=False)


class Store:
    """A database: an engine, write transactions and read-only ones."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sqlite = is_sqlite(self.url)
        self.writer = WriterLock() if self.sqlite else None
        database = make_url(self.url).database if self.sqlite else None
        self.checkpointer = (
            Checkpointer(database) if database and database != ":memory:" else None
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # A worker forked from this process (gunicorn --preload) opens its own connections.
        engine = weakref.ref(self.engine)
        os.register_at_fork(after_in_child=lambda: _forget_connections(engine))

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock (SQLite) around a write transaction."""
        if self.writer is None:
            yield
            return
        if self.checkpointer is not None:
            self.checkpointer.ensure_running()
        with self.writer.held():
            yield

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on error."""
        with self.writing(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection in one write transaction (SQLAlchemy Core: no unit of work). The
        writer lock is held from BEGIN to COMMIT only: the connection is taken from the
        pool before, and given back after."""
        with self.engine.connect() as connection, self.writing(), connection.begin():
            yield connection

    @contextmanager
    def read_connection(self, *, long: bool = False) -> Iterator[Connection]:
        """A connection in one read-only transaction: no write lock taken or waited for.
        `long`: a report (the dashboard) that may run past the webhook's statement limit."""
        with self.engine.connect() as connection:
            if self.sqlite:
                connection = connection.execution_options(**{_READ_ONLY: True})
            else:
                connection = connection.execution_options(postgresql_readonly=True)
            with connection.begin():
                if long and not self.sqlite:
                    seconds = int(READ_STATEMENT_SECONDS * 1000)
                    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {seconds}")
                yield connection

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for reads that need no snapshot across statements (the webhook's
        first look at a conversation): each statement runs by itself, with no BEGIN or
        COMMIT round trip (SQLite's autocommit, which in WAL mode takes no lock a writer
        waits for; PostgreSQL's AUTOCOMMIT). Nothing here may write."""
        with self.engine.connect() as connection:
            if self.sqlite:
                connection = connection.execution_options(**{_NO_BEGIN: True})
            else:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @contextmanager
    def read(self, *, long: bool = False) -> Iterator[Session]:
        """A session in one read-only transaction (see `read_connection`)."""
        with self.read_connection(long=long) as connection:
            session = Session(bind=connection, expire_on_commit=False)
            try:
                yield session
            finally:
                session.close()

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
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()
