"""The queue's connections: each statement its own transaction (no BEGIN and COMMIT around it), no ping before every
use, and a connection the server dropped while it sat idle replaced before it is used."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from lumina.config import Settings
from lumina.queue import SyncQueue
from lumina.queue import pool as queue_pool
from lumina.queue.facade import conninfo


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[SyncQueue]:
    opened = SyncQueue(settings, max_connections=1)
    await opened.open()
    yield opened
    await opened.close()


async def backend(queue: SyncQueue) -> int:
    return int((await queue.app.connector.execute_query_one_async("SELECT pg_backend_pid() AS pid"))["pid"])


async def test_a_statement_is_its_own_transaction(queue: SyncQueue) -> None:
    # The transaction began with the statement (no BEGIN sent a round trip earlier)...
    row = await queue.app.connector.execute_query_one_async("SELECT now() = statement_timestamp() AS alone")
    assert row["alone"]
    # ...and ended with it: the connection is back in the pool with no transaction open, no COMMIT needed.
    async with queue.app.connector.pool.connection() as connection:
        assert connection.autocommit
        assert connection.info.transaction_status.name == "IDLE"


async def test_a_connection_dropped_while_idle_is_replaced_before_use(
    queue: SyncQueue, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend(queue)
    assert await backend(queue) == first  # the same pooled connection, used again without a ping
    monkeypatch.setattr(queue_pool, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection has now sat idle long enough
    server = await asyncpg.connect(conninfo(settings))
    try:
        assert await server.fetchval("SELECT pg_terminate_backend($1, 5000)", first)
    finally:
        await server.close()
    assert await backend(queue) != first  # the ping found it dead: a new connection answered
