"""One engine per process and the sessions made from it.

Services and repositories never commit: whoever opened the unit of work (a request, a job, a sync page) commits it,
so that a failure anywhere rolls the whole unit back.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A connection's page cache (KiB; SQLite's default is 2 MB), and the WAL's size in pages that makes a commit
# checkpoint it (SQLite's default is 1,000): see `_sqlite_pragmas`.
SQLITE_CACHE_KIB = 16 * 1024
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
# A pooled PostgreSQL connection back in the pool for longer than this is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 10.0


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers go on while the sync writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A statement on a table with triggers (the order statistics') opens a statement journal; in memory, not a
    # temporary file, it costs next to nothing (bench/backfill.py: the sync's CPU back within 2 % of no triggers).
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # A transaction whose changed pages outgrow the page cache writes them to the WAL before it commits, and again
    # each one changed after that: a sync's page of 100 orders (3 KB rows, ten indexes with keys in no order)
    # changes some 1,500 pages, 6 MB. 16 MB holds a group-committed transaction's and the indexes' upper levels,
    # and spares the API's reads the same pages read again. A bound per connection, used only as filled.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Each checkpoint copies every page the WAL holds back into the file and syncs both; with 10,000 pages (40 MB)
    # instead of 1,000 a page that many commits rewrite (the indexes' upper levels) is copied once, not once per
    # 4 MB. The WAL stays bounded at that plus one transaction; readers find a page in it through the shared
    # index as before.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def dump_json(value: Any) -> str:
    """JSON columns are written with orjson: encoding each order's `raw_data` with the standard library cost a
    backfill more CPU than the database's own work. Anything orjson cannot encode (a lone surrogate, a key that
    is not a string) goes through the standard library, as before."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def _load_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what the standard library wrote for `dump_json`'s fallback
        return json.loads(text)


def _idle_ping(dialect: Dialect) -> tuple[Any, Any]:
    """Pool listeners that ping a connection before use only when it sat idle a while (SQLAlchemy's pool_pre_ping
    pings before every use: on asyncpg three round trips, a transaction around `;`, for every transaction). A
    connection the server dropped while idle (a restart, an idle timeout) is replaced before use; one dropped
    while in steady use fails its transaction once and is replaced."""

    def checkin(_dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the connection was closed while idle") from exc
        if not alive:
            raise DisconnectionError("the connection was closed while idle")

    return checkin, checkout


class Database:
    """The engine and session factory for one database URL (async driver form)."""

    def __init__(self, url: str, *, echo: bool = False, idle_in_transaction_timeout: float | None = None) -> None:
        """`idle_in_transaction_timeout` (PostgreSQL): seconds after which the server ends a session of ours that
        sits in an open transaction doing nothing (a frozen process), releasing its locks."""
        self.url = url
        # hide_parameters: a failed statement's message and the echo name no values (orders, hashes, ciphertexts).
        options: dict[str, Any] = {"echo": echo, "json_serializer": dump_json, "json_deserializer": _load_json,
                                   "hide_parameters": True}  # fmt: skip
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            options.update(pool_size=10, max_overflow=10)
            if idle_in_transaction_timeout is not None:
                milliseconds = str(round(idle_in_transaction_timeout * 1000))
                options["connect_args"] = {"server_settings": {"idle_in_transaction_session_timeout": milliseconds}}
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            checkin, checkout = _idle_ping(self.engine.dialect)
            event.listen(self.engine.sync_engine.pool, "checkin", checkin)
            event.listen(self.engine.sync_engine.pool, "checkout", checkout)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def standalone(self) -> AsyncIterator[AsyncSession]:
        """A session for statements that are each whole by themselves. On PostgreSQL each one commits as it runs:
        no BEGIN and COMMIT round trips, which an idle shop's run (a few statements, every shop in every cycle) paid
        in CPU as much as for its statements. On SQLite one transaction, committed at the end: its in-process live
        events are delivered at a commit, and SQLite has no round trips to save."""
        if self.is_sqlite:
            async with self.transaction() as session:
                yield session
            return
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=connection, expire_on_commit=False, autoflush=False) as session:
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
