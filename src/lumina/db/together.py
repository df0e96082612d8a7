"""Writes of one transaction sent as one statement on PostgreSQL: each statement is a round trip and SQLAlchemy's
and asyncpg's work, paid by every idle shop in every cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Delete, Insert, Result, Update
from sqlalchemy.ext.asyncio import AsyncSession

Write = Insert | Update | Delete


class Together:
    """`writes` (with bound parameters), built once and run in the caller's transaction; `execute` returns the last
    one's result. On PostgreSQL they are one statement, the others CTEs of the last, which all see the rows as they
    were before it: only writes to rows that none of the others reads or writes belong together. PostgreSQL locks
    their rows in no defined order: writes to rows that other transactions lock in a set order (a run's lease, then
    its record) do not belong together either. Elsewhere (SQLite, in-process) one after the other."""

    def __init__(self, *writes: Write) -> None:
        self.writes = writes
        *others, last = writes
        for number, write in enumerate(others):
            last = last.add_cte(write.cte(f"write_{number}"))
        self.combined = last

    async def execute(self, session: AsyncSession, params: Mapping[str, Any]) -> Result[Any]:
        if session.get_bind().dialect.name == "postgresql":
            return await session.execute(self.combined, params)
        *others, last = self.writes
        for write in others:
            await session.execute(write, params)
        return await session.execute(last, params)
