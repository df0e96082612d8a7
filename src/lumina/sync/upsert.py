"""The mirror's upsert: rows in, one statement per chunk, the parameters made here rather than by SQLAlchemy.

SQLAlchemy's executemany runs every parameter of every row through its column types on the event loop, a dict of
all the statement's parameters built per row first: on PostgreSQL it then renders a multi-row VALUES list of 2,000
parameters per chunk. That was most of the writer's Python. Here each value goes through the same conversion its
column type makes (`lumina.db.types`, the engine's JSON serializer), once, and the chunk goes to the driver as is:

- PostgreSQL: one statement whose rows come from `json_to_recordset` over one JSON document of the chunk (bytes,
  each order's JSON written into it as it is), so the statistics' statement trigger runs once per chunk. It was
  `unnest` over one array per column: asyncpg encodes an array's elements one by one (an ABC check and a codec call
  each) and grows its buffer by each order's JSON, copying it again and again (37 µs of CPU an order for the
  arrays of a chunk of 100; 17 of them the JSON's). The document is bytes, not text: a 300 KB text parameter
  costs its encoding to UTF-8 and back (about 15 µs an order);
- SQLite: `executemany` of the same INSERT ... ON CONFLICT (row triggers: one statement per row either way).

The guard stays in the statement: an older copy never overwrites a newer row, whoever wrote it in between.
"""

# ruff: noqa: S608  (the SQL is assembled from the table's own column names only)

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Boolean, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.db.session import dump_json
from lumina.db.types import Money, UTCDateTime, sqlite_text, to_micros, to_utc
from lumina.models import CachedOrder

_TABLE: Table = CachedOrder.__table__  # type: ignore[assignment]
_KEY = ("family_id", "shop_id", "woocommerce_order_id")
# Columns that mirror the shop; `synced_at` and `deleted_at` are ours.
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

Convert = Callable[[Any], Any]


def _maybe(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _json_text(value: Any) -> str:
    """An order's JSON: already text when kept as the shop sent it (`WooOrder.source`), otherwise encoded."""
    return value if isinstance(value, str) else dump_json(value)


def _json_fragment(value: Any) -> orjson.Fragment:
    """An order's JSON inside the chunk's JSON, as it is."""
    return orjson.Fragment(_json_text(value))


def _time(dialect: str) -> Convert:
    return _maybe(sqlite_text if dialect == "sqlite" else to_utc)


def _conversions(dialect: str) -> list[Convert | None]:
    """Per column of COLUMNS, what its type makes of a value for the driver (None: the value as it is)."""
    conversions: list[Convert | None] = []
    for name in COLUMNS:
        kind = _TABLE.c[name].type
        if isinstance(kind, UTCDateTime):
            conversions.append(_time(dialect))
        elif isinstance(kind, Money):
            conversions.append(_maybe(to_micros))
        elif name == "raw_data":
            conversions.append(_json_text if dialect == "sqlite" else _json_fragment)
        elif isinstance(kind, Boolean) and dialect == "sqlite":
            conversions.append(int)
        else:
            conversions.append(None)
    return conversions


@functools.cache
def _statement(dialect: str) -> tuple[str, list[Convert | None]]:
    """The upsert's SQL for the driver and the conversions of its parameters, per dialect."""
    names = ", ".join(COLUMNS)
    if dialect == "postgresql":
        pg = postgresql.dialect()  # type: ignore[no-untyped-call]
        fields = ", ".join(f"{name} {_TABLE.c[name].type.compile(dialect=pg)}" for name in COLUMNS)
        rows = f"SELECT {names} FROM json_to_recordset(convert_from($1::bytea, 'UTF8')::json) AS r({fields})"
    else:
        rows = f"VALUES ({', '.join('?' for _ in COLUMNS)})"
    updates = ", ".join(f"{name} = excluded.{name}" for name in _UPDATED)
    sql = (
        f"INSERT INTO {_TABLE.name} ({names}) {rows} ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates}"
        f" WHERE excluded.date_modified >= {_TABLE.name}.date_modified"
    )
    return sql, _conversions(dialect)


def _parameters(dialect: str, rows: Sequence[dict[str, Any]], conversions: list[Convert | None]) -> Any:
    pairs = list(zip(COLUMNS, conversions, strict=True))
    values = ([row[name] if convert is None else convert(row[name]) for name, convert in pairs] for row in rows)
    if dialect == "postgresql":  # the chunk as one JSON document: an object per row
        return (orjson.dumps([dict(zip(COLUMNS, row, strict=True)) for row in values]),)
    return [tuple(row) for row in values]


async def upsert_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update by (family, shop, order), never replacing a row with an older modification time. The rows
    carry every column of COLUMNS and are unique by that key (`write_routed` keeps one copy per order): PostgreSQL
    refuses an upsert that would touch one row twice."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect.name
    sql, conversions = _statement(dialect)
    for start in range(0, len(rows), UPSERT_CHUNK):
        await connection.exec_driver_sql(sql, _parameters(dialect, rows[start : start + UPSERT_CHUNK], conversions))
