"""SQLAlchemy Core statements for the webhook's hot path, compiled once per database and
run on the driver's cursor.

SQLAlchemy spends more on one `Connection.execute` (the cache key, the execution context,
the result object) than SQLite spends running the statement: four times the statements'
own cost in a turn (`make bench`, `bench turn`). A `Prepared` statement is still built
with SQLAlchemy Core, so its SQL is the dialect's own (`?` for SQLite, `%(name)s` for
psycopg) and its values go through the same type processors as `execute` would apply
(aware UTC datetimes, JSON, booleans); it only skips the per-call machinery. It runs on
the connection's transaction, SQLAlchemy's cursor events see it (with a `Context` that
carries the statement and takes attributes, as instrumentation sets them), and a driver
error is raised as SQLAlchemy's error (`IntegrityError` for a taken unique key), so
callers handle both paths alike. Statements whose SQL is finished only at execution
(an expanding `IN`, literal binds) are refused when first compiled: their SQL would
differ per call.

    _READ = Prepared(select(Person.id, Person.state).where(Person.number == bindparam("n")))
    row = _READ.one_or_none(connection, {"n": key})
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional drivers (SQLite): the values in this order
    defaults: dict[str, Any]  # values written into the statement (`bindparam("k", "*")`)
    binds: tuple[tuple[str, Processor], ...]
    results: tuple[Processor, ...]  # one per selected or returned column


class Context:
    """What SQLAlchemy's cursor events receive as `context` for a prepared statement: the
    statement as run and its values, and room for the attributes a listener keeps from
    `before_cursor_execute` to `after_cursor_execute` (a tracing span, a start time)."""

    executemany = False
    compiled = None

    def __init__(self, connection: Connection, cursor: Any, statement: str, parameters: Any):
        self.connection = connection
        self.dialect = connection.dialect
        self.cursor = cursor
        self.statement = statement
        self.parameters = parameters


class Prepared:
    """A Core statement compiled on first use for each dialect (see the module's doc)."""

    def __init__(self, statement: ClauseElement, *, column_keys: Sequence[str] = ()) -> None:
        self.statement = statement
        self._column_keys = list(column_keys) or None  # an INSERT's columns, as bound
        # Per dialect object (one per engine): two drivers, or two server versions, of one
        # database may compile the same statement differently.
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is not None:
            return found
        with self._lock:
            compiled = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
            late = set(getattr(compiled, "post_compile_params", ()))
            late |= set(getattr(compiled, "literal_execute_params", ()))
            if late:
                raise ValueError(
                    "a prepared statement cannot have values whose SQL is made at execution "
                    f"(expanding IN, literal binds): {str(compiled)[:80]}"
                )
            named = getattr(compiled, "binds", {})  # name -> BindParameter
            binds = tuple(
                (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                for name, bind in named.items()
            )
            defaults = {name: bind.value for name, bind in named.items() if not bind.required}
            columns = getattr(self.statement, "exported_columns", ())  # SELECT or RETURNING
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
            positional = getattr(compiled, "positiontup", None) if dialect.positional else None
            found = _Compiled(
                str(compiled), tuple(positional) if positional else None, defaults, binds,
                results,
            )
            self._compiled[dialect] = found
            return found

    def run(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """Execute on `connection`'s driver connection; the driver's cursor."""
        dialect = connection.dialect
        prepared = self._for(dialect)
        params = {**prepared.defaults, **values}
        for name, process in prepared.binds:
            if process is not None:
                params[name] = process(params[name])
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        sent: Any = params if prepared.names is None else [params[n] for n in prepared.names]
        # SQLAlchemy's cursor events still see every statement (instrumentation, the plans
        # bench); with no listener this is one test.
        dispatch = connection.dispatch
        context = None
        if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            context = Context(connection, cursor, prepared.sql, sent)
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, prepared.sql, sent, context, False)
        try:
            cursor.execute(prepared.sql, sent)
        except dialect.loaded_dbapi.Error as error:
            raise _translated(connection, prepared.sql, cursor, error) from error
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, prepared.sql, sent, context, False)
        return cursor

    def rowcount(self, connection: Connection, values: Mapping[str, Any]) -> int:
        cursor = self.run(connection, values)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.run(connection, values)
        dbapi = connection.dialect.loaded_dbapi
        try:
            fetched = cursor.fetchall()
        except dbapi.Error as error:  # SQLite steps its rows while they are fetched
            raise _translated(
                connection, self._for(connection.dialect).sql, cursor, error
            ) from error
        finally:
            cursor.close()
        processors = self._for(connection.dialect).results
        return [
            tuple(
                value if p is None else p(value)
                for p, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]

    def one_or_none(
        self, connection: Connection, values: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        found = self.rows(connection, values)
        if len(found) > 1:
            raise ValueError(f"more than one row: {self._for(connection.dialect).sql[:80]}")
        return found[0] if found else None

    def scalar_one(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        found = self.one_or_none(connection, values)
        if found is None:
            raise ValueError(f"no row: {self._for(connection.dialect).sql[:80]}")
        return found[0]


def _translated(connection: Connection, sql: str, cursor: Any, error: Any) -> StatementError:
    """The driver's error as SQLAlchemy's (`IntegrityError` for a taken key), the cursor
    closed; a connection the database dropped is invalidated, as SQLAlchemy's own
    execute does, so the pool replaces it instead of handing it out again."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.driver_connection, cursor)
    with contextlib.suppress(dialect.loaded_dbapi.Error):
        cursor.close()
    if lost:
        connection.invalidate(error)
    translated: StatementError = DBAPIError.instance(
        sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect,
        connection_invalidated=lost,
    )
    return translated
