"""Writes of one transaction sent as one statement on PostgreSQL: each statement is a round trip and SQLAlchemy's
and asyncpg's work, paid by every idle shop in every cycle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Delete, Insert, Result, Update
from sqlalchemy.ext.asyncio import AsyncSession

Write = Insert | Update | Delete


async def execute_together(session: AsyncSession, *writes: Write) -> Result[Any]:
    """Run `writes` in the caller's transaction and return the last one's result. On PostgreSQL they are one
    statement, the others CTEs of the last, which all see the rows as they were before it: only writes to rows
    that none of the others reads or writes belong together. PostgreSQL locks their rows in no defined order: writes
    to rows that other transactions lock in a set order (a run's lease, then its record) do not belong together
    either. Elsewhere (SQLite, in-process) one after the other."""
    *others, last = writes
    if session.get_bind().dialect.name == "postgresql":
        for number, write in enumerate(others):
            last = last.add_cte(write.cte(f"write_{number}"))
        return await session.execute(last)
    for write in others:
        await session.execute(write)
    return await session.execute(last)
