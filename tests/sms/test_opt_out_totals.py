"""The dashboard's "numbers opted out now, by source" comes from totals the database keeps
itself (triggers on `opt_outs`, migration 0007), on SQLite and PostgreSQL: whatever adds,
removes or changes an opt-out, and opt-outs stored before the migration, are counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from crampvoice.storage import Store, consent, erasure, stats, upgrade
from crampvoice.storage.models import OptOut

T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
_INSERT = text("INSERT INTO opt_outs (number, source, created_at) VALUES (:n, :s, :at)")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    upgrade(database_url)
    store = Store(database_url)
    yield store
    store.dispose()


def _totals(store: Store) -> dict[str, int]:
    with store.read() as session:
        return stats.opt_outs(session, T0 - timedelta(days=90))[2]


def _counted(store: Store) -> dict[str, int]:
    with store.read() as session:
        rows = session.execute(select(OptOut.source, func.count()).group_by(OptOut.source))
        return {str(source): int(count) for source, count in rows}


def test_every_way_in_and_out_is_counted(store: Store) -> None:
    with store.transaction() as session:
        consent.opt_out(session, "+447700900001", "keyword", T0)
        consent.opt_out(session, "+447700900002", "keyword", T0)
        consent.opt_out(session, "+447700900002", "keyword", T0)  # already out: once
        consent.opt_out(session, "+447700900003", "21610", T0)
        consent.opt_out(session, "+447700900004", "twilio", T0 - timedelta(days=400))
    assert _totals(store) == {"keyword": 2, "21610": 1, "twilio": 1}
    with store.transaction() as session:
        consent.opt_in(session, "+447700900001")  # START
        erasure.erase(session, "+447700900003", sender=None)  # DELETE keeps the opt-out
        session.execute(text("UPDATE opt_outs SET source = '21610' WHERE source = 'twilio'"))
        session.execute(_INSERT, {"n": "by-hand", "s": "keyword", "at": T0})  # an operator
    assert _totals(store) == _counted(store) == {"keyword": 2, "21610": 2}
    with store.transaction() as session:  # the retention purge
        session.execute(text("DELETE FROM opt_outs"))
    assert _totals(store) == _counted(store) == {}


def test_opt_outs_stored_before_the_totals_are_counted(database_url: str) -> None:
    upgrade(database_url, "0006")
    store = Store(database_url)
    try:
        with store.transaction() as session:
            for n in range(3):
                session.execute(_INSERT, {"n": f"old-{n}", "s": "keyword", "at": T0})
        upgrade(database_url)
        assert _totals(store) == {"keyword": 3}
    finally:
        store.dispose()
