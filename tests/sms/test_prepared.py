"""The hot path's prepared statements (`crampvoice.storage.prepared`) give what SQLAlchemy's
own `execute` gives, on SQLite and PostgreSQL: the same rows with the same types (aware
UTC datetimes, JSON, booleans), RETURNING, row counts, defaults written into the
statement, SQLAlchemy's errors, and the connection's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from crampvoice.storage import Store
from crampvoice.storage.models import OptOut, Person
from crampvoice.storage.prepared import Prepared

AT = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
PEOPLE = Person.__table__

ADD = Prepared(
    insert(PEOPLE)  # type: ignore[arg-type]
    .values(
        number=bindparam("number"), locale="en-GB", state=bindparam("state"),
        scheduled_sends=True, consecutive_failures=0, window_replies=0,
        created_at=bindparam("at"), updated_at=bindparam("at"),
    )
    .returning(Person.id)
)
READ = select(
    Person.number, Person.locale, Person.state, Person.scheduled_sends, Person.updated_at,
).where(Person.number == bindparam("number"))
RENAME = Prepared(
    update(PEOPLE).where(Person.number == bindparam("old")).values(number=bindparam("new"))  # type: ignore[arg-type]
)


def test_rows_are_the_ones_execute_gives(store: Store) -> None:
    state = {"step": 2, "pending": None, "words": ["cramp", "calf"]}
    with store.connection() as connection:
        person_id = ADD.scalar_one(connection, {"number": "hash-1", "state": state, "at": AT})
    assert isinstance(person_id, int)
    with store.lookup() as connection:
        mine = Prepared(READ).one_or_none(connection, {"number": "hash-1"})
        theirs = connection.execute(READ, {"number": "hash-1"}).one()
    assert mine == tuple(theirs) == ("hash-1", "en-GB", state, True, AT)
    assert mine is not None and mine[4].tzinfo is not None  # an aware UTC datetime


def test_nothing_found_counts_and_written_in_defaults(store: Store) -> None:
    with store.connection() as connection:
        ADD.scalar_one(connection, {"number": "hash-2", "state": {}, "at": AT})
        assert RENAME.rowcount(connection, {"old": "hash-2", "new": "hash-3"}) == 1
        assert RENAME.rowcount(connection, {"old": "nobody", "new": "hash-4"}) == 0
        opted = Prepared(select(OptOut.number).where(OptOut.number == bindparam("n", "hash-3")))
        assert opted.rows(connection, {}) == []
        assert Prepared(READ).one_or_none(connection, {"number": "hash-2"}) is None


def test_a_taken_key_is_sqlalchemys_integrity_error_and_rolls_back(store: Store) -> None:
    with store.connection() as connection:
        ADD.scalar_one(connection, {"number": "hash-5", "state": {}, "at": AT})
    with pytest.raises(IntegrityError), store.connection() as connection:
        ADD.scalar_one(connection, {"number": "hash-6", "state": {}, "at": AT})
        ADD.scalar_one(connection, {"number": "hash-5", "state": {}, "at": AT})
    with store.lookup() as connection:  # the whole transaction is gone, hash-6 too
        assert Prepared(READ).one_or_none(connection, {"number": "hash-6"}) is None


def test_sqlalchemys_cursor_events_see_each_statement(store: Store) -> None:
    """As an instrumentation library uses them: it keeps something on the context in
    `before_cursor_execute` and finds it again in `after_cursor_execute`."""
    seen: list[tuple[str, float]] = []

    def before(_c: object, _cursor: object, _s: str, _p: object, context: Any, *_: object) -> None:
        context.started = 1.5

    def after(_c: object, _k: object, statement: str, _p: object, context: Any, *_: Any) -> None:
        seen.append((statement, context.started))

    event.listen(store.engine, "before_cursor_execute", before)
    event.listen(store.engine, "after_cursor_execute", after)
    try:
        with store.lookup() as connection:
            Prepared(READ).one_or_none(connection, {"number": "hash-7"})
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
        event.remove(store.engine, "after_cursor_execute", after)
    assert len(seen) == 1 and seen[0][0].startswith("SELECT people.number")
    assert seen[0][1] == 1.5


def test_a_statement_finished_only_at_execution_is_refused(store: Store) -> None:
    """An expanding IN is written out per call: compiled once, it would be wrong."""
    numbers = bindparam("numbers", expanding=True)
    many = Prepared(select(Person.id).where(Person.number.in_(numbers)))
    with store.lookup() as connection, pytest.raises(ValueError, match="expanding IN"):
        many.rows(connection, {"numbers": ["hash-1", "hash-2"]})


def test_a_connection_the_database_dropped_is_invalidated(store: Store) -> None:
    if store.sqlite:
        pytest.skip("a server that drops a connection: PostgreSQL")
    with store.lookup() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with store.engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            other.commit()
        with pytest.raises(DBAPIError) as raised:
            Prepared(READ).one_or_none(connection, {"number": "hash-8"})
        assert raised.value.connection_invalidated
    with store.lookup() as connection:  # the pool hands out a working one again
        assert Prepared(READ).one_or_none(connection, {"number": "hash-8"}) is None
