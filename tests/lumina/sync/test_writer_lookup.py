"""The writer's lookup of a page's held rows reads those rows only, however many the shop has: a backfill's pages
must not each cost more than the one before (PostgreSQL's planner, without statistics, used to read all the shop's
rows and filter them by the page's ids)."""

from __future__ import annotations

import pytest

from lumina.context import ServiceContext
from lumina.sync.writer import existing_rows, write_shop_orders
from tests.lumina.sync.support import rows_read
from tests.lumina.sync.test_writer import _setup, order

HELD = 1_000
PAGE = 100


async def test_a_pages_lookup_reads_the_pages_rows_not_the_whole_shops(context: ServiceContext) -> None:
    if context.database.is_sqlite:
        pytest.skip("PostgreSQL's per-transaction read counters; SQLite's planner probes the index per id")
    shop_id, (family,) = await _setup(context, [None])
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(n) for n in range(1, HELD + 1)], retention_cutoff=None)
    page = list(range(HELD - PAGE // 2 + 1, HELD + PAGE // 2 + 1))  # half held, half new

    async with context.database.transaction() as session:
        before = await rows_read(session, "cached_orders")
        held = await existing_rows(session, shop_id, page)
        read = await rows_read(session, "cached_orders") - before

    assert sorted(held) == [(family, n) for n in page if n <= HELD]
    assert read <= PAGE
