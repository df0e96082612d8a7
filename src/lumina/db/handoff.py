"""Statements built once and sent to SQLite in one hand-off to its connection's thread.

aiosqlite runs each connection in a thread of its own. SQLAlchemy's adapter makes three or four hand-offs there for
every statement (open a cursor, execute, fetch the rows, close the cursor); each costs the event loop about 35 µs of
CPU and the thread about 30. With the session's execution path on top, a small UPDATE cost about 250 µs of the
loop's CPU, against 58 for the same SQL, compiled once, in one hand-off (`aiosqlite.Connection.execute`). A sync
sends several statements with every page it writes (the lease's fence, the held rows' lookup, the upserts, the run's
progress): on SQLite they go this way. PostgreSQL's driver has no thread to hand off to: there they go through the
session as before.

The SQL is SQLAlchemy's own compilation of the statement for the session's dialect, and each value goes through its
column type's bind processor for that dialect, as in the session (the engine's JSON serializer included); a row
read back goes through the result processors. A failure is raised as SQLAlchemy raises it (`DBAPIError.instance`),
so callers see the same exceptions either way. The engine's echo log and cursor events do not see these statements.
Statements with expanding IN parameters are not for this: their SQL changes with the number of values.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the SQL's order
    binds: tuple[Processor, ...]
    defaults: Mapping[str, Any]  # values bound in the statement itself (a parameter without one is required)
    row: Callable[..., Any] | None  # a row's type, for a SELECT
    results: tuple[Processor, ...]


class HandOff:
    """`statement` (with bound parameters, none expanding) for `execute` and `rows` in the caller's transaction."""

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        # Compiled once for each set of parameter names (an UPDATE's SET is the columns among them). Every SQLite
        # engine of the service's compiles and converts alike (`Database`: one JSON serializer).
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    async def execute(self, session: AsyncSession, params: Mapping[str, Any]) -> int:
        """Run the statement; returns the number of rows it changed."""
        connection = await session.connection()
        if connection.dialect.name != "sqlite":
            result = await session.execute(self.statement, params)
            return int(cast(Any, result).rowcount)
        compiled, values = self._bound(connection.dialect, params)
        return await execute_sqlite(connection, compiled.sql, values)

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> Sequence[Any]:
        """The statement's rows, their columns by name."""
        connection = await session.connection()
        if connection.dialect.name != "sqlite":
            return (await session.execute(self.statement, params)).all()
        compiled, values = self._bound(connection.dialect, params)
        fetched = await _sent(connection, compiled.sql, values, fetch=True)
        assert compiled.row is not None, "rows() of a statement that returns none"
        make, results = compiled.row, compiled.results
        return [
            make(*(value if process is None else process(value) for process, value in zip(results, row, strict=True)))
            for row in fetched
        ]

    def _bound(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[_Compiled, tuple[Any, ...]]:
        keys = tuple(params)
        compiled = self._compiled.get(keys)
        if compiled is None:
            compiled = self._compiled[keys] = self._compile(dialect, keys)
        values = []
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            if name in params:
                value = params[name]
            elif name in compiled.defaults:
                value = compiled.defaults[name]
            else:  # refused as the session refuses it, rather than bound as NULL
                missing = InvalidRequestError(f"A value is required for bind parameter {name!r}")
                raise StatementError(str(missing), compiled.sql, None, missing, hide_parameters=True)
            values.append(value if process is None else process(value))
        return compiled, tuple(values)

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ())
        binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        if not isinstance(self.statement, Select):
            return _Compiled(compiled.string, names, binds, defaults, None, ())
        columns = list(self.statement.selected_columns)
        row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
        return _Compiled(compiled.string, names, binds, defaults, row, results)


async def execute_sqlite(connection: AsyncConnection, sql: str, values: Sequence[Any]) -> int:
    """Run SQL on SQLite with values as the driver takes them, in one hand-off; returns the rows changed."""
    cursor = await _sent(connection, sql, values, fetch=False)
    return int(cursor.rowcount)


async def _sent(connection: AsyncConnection, sql: str, values: Sequence[Any], *, fetch: bool) -> Any:
    """`sql` run on the session's aiosqlite connection (in the transaction SQLAlchemy began), in one hand-off: its
    rows when `fetch`, else its cursor. A failure is raised as SQLAlchemy raises it, naming no value."""
    driver: Any = (await connection.get_raw_connection()).driver_connection
    try:
        return await (driver.execute_fetchall if fetch else driver.execute)(sql, values)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error, hide_parameters=True) from None
