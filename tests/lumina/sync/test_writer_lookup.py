"""The writer's lookup of a page's held rows reads those rows only, however many the shop has: a backfill's pages
must not each cost more than the one before (PostgreSQL's planner, without statistics, used to read all the shop's
rows and filter them by the page's ids)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.sync.writer import existing_rows, write_shop_orders
from tests.lumina.sync.test_writer import _setup, order

HELD = 1_000
PAGE = 100

# Rows this transaction has read from `cached_orders` so far: sequential scans' and every index's (PostgreSQL counts
# a transaction's reads per relation until it reports them).
_ROWS_READ = text(
    "SELECT pg_stat_get_xact_tuples_returned('cached_orders'::regclass)"
    " + coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0)"
    " FROM pg_index WHERE indrelid = 'cached_orders'::regclass"
)


async def _rows_read(session: AsyncSession) -> int:
    return int(await session.scalar(_ROWS_READ) or 0)


async def test_a_pages_lookup_reads_the_pages_rows_not_the_whole_shops(context: ServiceContext) -> None:
    if context.database.is_sqlite:
        pytest.skip("PostgreSQL's per-transaction read counters; SQLite's planner probes the index per id")
    shop_id, (family,) = await _setup(context, [None])
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(n) for n in range(1, HELD + 1)], retention_cutoff=None)
    page = list(range(HELD - PAGE // 2 + 1, HELD + PAGE // 2 + 1))  # half held, half new

    async with context.database.transaction() as session:
        before = await _rows_read(session)
        held = await existing_rows(session, shop_id, page)
        read = await _rows_read(session) - before

    assert sorted(held) == [(family, n) for n in page if n <= HELD]
    assert read <= PAGE
