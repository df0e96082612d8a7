"""The mirror's upsert: orders in, few statements per chunk, the parameters made here rather than by SQLAlchemy.

SQLAlchemy's executemany runs every parameter of every row through its column types on the event loop, a dict of
all the statement's parameters built per row first: on PostgreSQL it then renders a multi-row VALUES list of 2,000
parameters per chunk. That was most of the writer's Python. Here each value goes through the same conversion its
column type makes (`lumina.db.types`, the engine's JSON serializer), once per order however many families get a
row of it, straight from the order's fields into the row's tuple (no dict per row), and the chunk goes to the
driver as is:

- PostgreSQL: one statement whose rows come from `jsonb_to_recordset` over one JSON document of the chunk (bytes,
  each order's JSON written into it as it is), so the statistics' statement trigger runs once per chunk. It was
  `unnest` over one array per column: asyncpg encodes an array's elements one by one (an ABC check and a codec call
  each) and grows its buffer by each order's JSON, copying it again and again (37 µs of CPU an order for the
  arrays of a chunk of 100; 17 of them the JSON's). The document is bytes, not text: a 300 KB text parameter
  costs its encoding to UTF-8 and back (about 15 µs an order). It is read as jsonb, once: `json_to_recordset`
  lexed the document, copied each order's JSON out of it a character at a time and parsed that again into the
  jsonb column, a third of the server's CPU for a row (about 180 -> 120 µs an order, `bench/writer.py`);
- SQLite: one multi-row INSERT ... VALUES ... ON CONFLICT per chunk where the library takes that many parameters
  (`_sqlite_rows`; the row triggers still run per row). An `executemany` ran the statement once per row: each run
  opened a cursor on the table and each of its indexes, and a statement journal for the triggers. Each statement
  is one hand-off to aiosqlite's thread (`lumina.db.handoff`), not SQLAlchemy's three. A date the shop wrote in
  WooCommerce's own form is stored as text made from the shop's text (`WooOrder.gmt_texts`), not by formatting the
  datetime again.

The guard stays in the statement: an older copy never overwrites a newer row, whoever wrote it in between.
"""

# ruff: noqa: S608  (the SQL is assembled from the table's own column names only)

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from lumina.db.handoff import execute_sqlite
from lumina.db.session import dump_json
from lumina.db.types import sqlite_text, sqlite_text_of_plain, to_micros, to_utc
from lumina.models import CachedOrder
from lumina.woocommerce import WooOrder

_TABLE: Table = CachedOrder.__table__  # type: ignore[assignment]
_KEY = ("family_id", "shop_id", "woocommerce_order_id")
# Columns that mirror the shop, in the order `_mirrored` makes their values; `synced_at` and `deleted_at` are ours.
MIRRORED = (
    "number", "status", "currency", "total", "total_refunded", "customer_id", "billing_email", "customer_name",
    "date_created", "date_modified", "date_paid", "date_completed", "raw_data",
)  # fmt: skip
_UPDATED = (*MIRRORED, "is_visible", "deleted_at", "synced_at")
COLUMNS = (*_KEY, *_UPDATED)
# Orders per step and rows per statement. Preparing them holds the event loop; a page's worth at a time keeps it
# free to read the shop's answers and answer requests between statements (requests being answered go first:
# `lumina.kit.foreground`).
UPSERT_CHUNK = 100


class FamilyRow(NamedTuple):
    """One family's row of an order: the order's mirrored columns and what is the family's own."""

    order: WooOrder
    family_id: int
    is_visible: bool
    deleted_at: datetime | None


Time = Callable[[datetime | None, str | None], Any]  # a date, and the shop's text of it when plain, for the driver


def _sqlite_time(value: datetime | None, plain: str | None) -> str | None:
    if plain is not None:
        return sqlite_text_of_plain(plain)
    return None if value is None else sqlite_text(value)


def _postgresql_time(value: datetime | None, _plain: str | None) -> datetime | None:
    return None if value is None else to_utc(value)


def _json_text(value: Any) -> str:
    """An order's JSON: already text when kept as the shop sent it (`WooOrder.source`), otherwise encoded."""
    return value if isinstance(value, str) else dump_json(value)


def _json_fragment(value: Any) -> orjson.Fragment:
    """An order's JSON inside the chunk's JSON, as it is."""
    return orjson.Fragment(_json_text(value))


class _Driver(NamedTuple):
    """What a dialect's driver takes for a time, an order's JSON and a flag."""

    time: Time
    document: Callable[[Any], Any]
    flag: Callable[[bool], Any]


_DRIVERS = {
    "sqlite": _Driver(_sqlite_time, _json_text, int),
    "postgresql": _Driver(_postgresql_time, _json_fragment, bool),
}
_NO_TEXTS = (None, None, None, None)


def _mirrored(order: WooOrder, driver: _Driver) -> tuple[Any, ...]:
    """The order's values of MIRRORED, in its order, as the column types store them."""
    created, modified, paid, completed = order.gmt_texts or _NO_TEXTS
    time = driver.time
    return (
        order.number, order.status, order.currency, to_micros(order.total), to_micros(order.total_refunded),
        order.customer_id, order.billing_email, order.customer_name, time(order.date_created, created),
        time(order.date_modified, modified), time(order.date_paid, paid), time(order.date_completed, completed),
        driver.document(order.source),
    )  # fmt: skip


def _values(driver: _Driver, shop_id: int, rows: Sequence[FamilyRow], synced_at: datetime) -> Iterator[tuple[Any, ...]]:
    """Each row's values of COLUMNS for the driver; an order's own converted once for all its families' rows."""
    synced = driver.time(synced_at, None)
    mirrored: dict[int, tuple[Any, ...]] = {}
    for order, family_id, shown, deleted_at in rows:
        values = mirrored.get(order.id)
        if values is None:
            values = mirrored[order.id] = _mirrored(order, driver)
        yield (family_id, shop_id, order.id, *values, driver.flag(shown), driver.time(deleted_at, None), synced)


def _upsert_sql(rows_sql: str) -> str:
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in _UPDATED)
    return (
        f"INSERT INTO {_TABLE.name} ({names}) {rows_sql} ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates}"
        f" WHERE excluded.date_modified >= {_TABLE.name}.date_modified"
    )


@functools.cache
def _sqlite_rows() -> int:
    """Rows per SQLite statement: a chunk, or fewer where the library takes fewer parameters (999 in builds before
    3.32, 2020). Each statement is a hand-off to aiosqlite's thread and back (`lumina.db.handoff`)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as probe:  # the library aiosqlite's connections use
        limit = probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return min(UPSERT_CHUNK, limit // len(COLUMNS))


@functools.cache
def _sqlite_statement(rows: int) -> str:
    row = f"({', '.join('?' for _ in COLUMNS)})"
    return _upsert_sql(f"VALUES {', '.join(row for _ in range(rows))}")


@functools.cache
def _postgresql_statement() -> str:
    pg = postgresql.dialect()  # type: ignore[no-untyped-call]
    fields = ", ".join(f"{name} {_TABLE.c[name].type.compile(dialect=pg)}" for name in COLUMNS)
    return _upsert_sql(
        f"SELECT {', '.join(COLUMNS)} FROM jsonb_to_recordset(convert_from($1::bytea, 'UTF8')::jsonb) AS r({fields})"
    )


async def _execute(connection: AsyncConnection, dialect: str, values: list[tuple[Any, ...]]) -> None:
    if dialect == "postgresql":  # the chunk as one JSON document: an object per row
        document = orjson.dumps([dict(zip(COLUMNS, row, strict=True)) for row in values])
        await connection.exec_driver_sql(_postgresql_statement(), (document,))
        return
    rows = _sqlite_rows()
    for start in range(0, len(values), rows):
        part = values[start : start + rows]
        await execute_sqlite(connection, _sqlite_statement(len(part)), tuple(chain.from_iterable(part)))


async def upsert_rows(session: AsyncSession, shop_id: int, rows: Sequence[FamilyRow], *, synced_at: datetime) -> None:
    """Insert or update by (family, shop, order), never replacing a row with an older modification time. The rows
    are unique by family and order (`write_routed` keeps one copy per order): PostgreSQL refuses an upsert that
    would touch one row twice."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect.name
    driver = _DRIVERS[dialect]
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = rows[start : start + UPSERT_CHUNK]
        await _execute(connection, dialect, list(_values(driver, shop_id, chunk, synced_at)))
