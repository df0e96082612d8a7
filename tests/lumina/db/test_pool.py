"""The PostgreSQL pool: a connection the server closed while it sat idle is replaced before use, without the
cost of a ping before every transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lumina.db import Database
from lumina.db import session as session_module


async def test_a_connection_closed_by_the_server_while_idle_is_replaced_before_use(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.is_sqlite:
        pytest.skip("a pool of server connections is PostgreSQL's")
    pool = Database(database.url)
    try:
        async with pool.transaction() as session:
            first = await session.scalar(text("SELECT pg_backend_pid()"))
        async with database.transaction() as other:  # a restart or an idle timeout, as the server does it
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(session_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has sat idle long enough

        async with pool.transaction() as session:
            again = await session.scalar(text("SELECT pg_backend_pid()"))
        assert again is not None
        assert again != first
    finally:
        await pool.dispose()
