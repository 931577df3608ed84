"""SQLite: the WAL reaches the database file in the background, not in a commit.

A commit that crosses SQLite's autocheckpoint copies the WAL and syncs it while it holds
the writer lock (4-5 ms, every ~80 turns), and every other writer waits behind it. The
store's checkpointer thread does that copy away from any write instead."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crampvoice.storage import Store, upgrade
from crampvoice.storage.database import BACKSTOP_PAGES, CHECKPOINT_SECONDS


def _in_the_file_alone(path: Path) -> int:
    """Rows of `opt_outs` in the database file itself, the WAL not read (immutable)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as connection:
        count: int = connection.execute("SELECT count(*) FROM opt_outs").fetchone()[0]
    connection.close()
    return count


def test_commits_reach_the_database_file_without_a_checkpoint_in_a_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crampvoice.sqlite3"
    upgrade(f"sqlite:///{path}")
    store = Store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert pages == BACKSTOP_PAGES  # a backstop far above SQLite's 1,000 pages
        for n in range(40):
            with store.connection() as connection:
                connection.execute(
                    text("INSERT INTO opt_outs (number, source, created_at) "
                         "VALUES (:n, 'sms', '2026-12-03 10:00:00')"),
                    {"n": f"hash-{n}"},
                )
        deadline = time.monotonic() + 10 * CHECKPOINT_SECONDS + 5
        while _in_the_file_alone(path) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _in_the_file_alone(path) == 40
    finally:
        store.dispose()


def test_the_checkpointer_stops_with_its_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crampvoice.sqlite3'}"
    upgrade(url)
    store = Store(url)
    with store.connection() as connection:
        connection.exec_driver_sql("DELETE FROM opt_outs")

    assert store.checkpointer is not None
    thread = store.checkpointer.thread  # this store's own, started by the write
    assert thread is not None and thread.is_alive()
    store.dispose()
    thread.join(timeout=5 * CHECKPOINT_SECONDS + 5)
    assert not thread.is_alive()


def test_postgresql_and_memory_databases_have_no_checkpointer() -> None:
    assert Store("sqlite://").checkpointer is None
    assert Store("postgresql://crampvoice@127.0.0.1:1/none").checkpointer is None


class _FailsOnce:
    """A connection whose first checkpoint fails with something unexpected."""

    failed = False

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real

    def execute(self, sql: str) -> sqlite3.Cursor:
        if not _FailsOnce.failed:
            _FailsOnce.failed = True
            raise RuntimeError("the disk went away for a moment")
        return self.real.execute(sql)

    def close(self) -> None:
        self.real.close()


def test_the_checkpointer_goes_on_after_an_unexpected_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crampvoice.sqlite3"
    upgrade(f"sqlite:///{path}")
    _FailsOnce.failed = False
    connect = sqlite3.connect

    def checkpointers_fail_once(*args: Any, **kwargs: Any) -> Any:
        made = connect(*args, **kwargs)
        return _FailsOnce(made) if kwargs.get("timeout") == 0 else made  # its connection only

    monkeypatch.setattr(sqlite3, "connect", checkpointers_fail_once)
    store = Store(f"sqlite:///{path}")
    try:
        with store.connection() as connection:
            connection.execute(
                text("INSERT INTO opt_outs (number, source, created_at) "
                     "VALUES ('hash-1', 'sms', '2026-12-03 10:00:00')")
            )
        deadline = time.monotonic() + 10 * CHECKPOINT_SECONDS + 5
        while _in_the_file_alone(path) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _FailsOnce.failed and _in_the_file_alone(path) == 1
        assert store.checkpointer is not None and store.checkpointer.thread is not None
        assert store.checkpointer.thread.is_alive()
        assert "a background checkpoint" in caplog.text
    finally:
        store.dispose()
