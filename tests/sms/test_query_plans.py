"""Every statement of the webhook's turn and of an opt-out finds its rows by an index,
on SQLite's planner, as it would at a million rows (no table is scanned)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.sql import ClauseElement

from crampvoice.storage import Store, upgrade
from crampvoice.storage import conversations as turn
from crampvoice.storage.consent import opt_out

AT = datetime(2026, 12, 1, tzinfo=UTC)


def plan(store: Store, statement: ClauseElement, params: dict[str, object]) -> str:
    compiled = statement.compile(dialect=store.engine.dialect)
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params.get(name) for name in compiled.positiontup or ()),
        ).all()
    return "\n".join(str(row[-1]) for row in rows)


def scans(found: str) -> list[str]:
    """Lines that read a whole table (a covering index is still a whole-index scan)."""
    return [line for line in found.splitlines() if line.startswith("SCAN")]


def test_the_turn_and_the_opt_out_use_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.sqlite3'}"
    upgrade(url)
    store = Store(url)
    try:
        params: dict[str, object] = {"number": "+447400123456", "person_id": 1, "version": AT,
                                     "sid": "SM1", "key": "n:0123456789abcdef",
                                     "key_1": "*"}
        for statement in (turn._READ_TURN, turn._READ, turn._STOPPED, turn._SAVE):
            found = plan(store, statement, params)
            assert not scans(found), found
        # The opt-out's update, as the ORM issues it.
        with store.engine.connect() as connection:
            statements: list[str] = []

            def keep(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
                statements.append(statement)

            from sqlalchemy import event

            event.listen(store.engine, "before_cursor_execute", keep)
            with store.transaction() as session:
                opt_out(session, "+447400123456", "keyword", AT)
            event.remove(store.engine, "before_cursor_execute", keep)
            [update] = [s for s in statements if s.startswith("UPDATE subscriptions")]
            rows = connection.execute(
                text("EXPLAIN QUERY PLAN " + update.replace("?", "NULL"))
            ).all()
            found = "\n".join(str(row[-1]) for row in rows)
            assert not scans(found), found
            # by its person (one row), not by `active` (every active subscription)
            assert "SEARCH subscriptions USING INDEX" in found and "(person_id=?)" in found, found
    finally:
        store.dispose()
