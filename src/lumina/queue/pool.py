"""The connection pool under procrastinate: one round trip for each of its statements, not four.

procrastinate sends one statement per pooled connection it takes (fetch a job, finish it, defer, heartbeat), and
by default psycopg's pool made each of them four round trips: a ping before the connection is handed out
(`check_connection`, which procrastinate sets), BEGIN, the statement, COMMIT. Every `sync.shop` job pays that
twice, in every cycle. Here the connections are in autocommit (a single statement is its own transaction, as
atomic as before) and are pinged only when they sat idle in the pool for a while, as the service's own pool does
(`lumina.db.session`): one that the server dropped while idle is replaced before use; one dropped while in
steady use fails its statement once (procrastinate's worker logs it and goes on) and is replaced.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import psycopg
import psycopg_pool

from lumina.db.session import PING_AFTER_IDLE_SECONDS

Connection = psycopg.AsyncConnection[Any]


class _IdleCheck:
    """When each connection went back to the pool, and the ping of those back for longer than the service's
    pool allows."""

    def __init__(self) -> None:
        self._since: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()

    @staticmethod
    async def configure(connection: Connection) -> None:
        await connection.set_autocommit(True)

    async def returned(self, connection: Connection) -> None:
        self._since[connection] = time.monotonic()

    async def check(self, connection: Connection) -> None:
        since = self._since.get(connection)
        if since is not None and time.monotonic() - since >= PING_AFTER_IDLE_SECONDS:
            await psycopg_pool.AsyncConnectionPool.check_connection(connection)


def queue_pool(**options: Any) -> psycopg_pool.AsyncConnectionPool[Connection]:
    """procrastinate's `pool_factory`: its pool with autocommit connections, pinged only after sitting idle."""
    idle = _IdleCheck()
    # Set on each new connection, not in `kwargs`: procrastinate opens its LISTEN connection with those and its
    # own autocommit=True.
    options.update(configure=idle.configure, check=idle.check, reset=idle.returned)
    return psycopg_pool.AsyncConnectionPool(**options)
