"""Migration 0008: on PostgreSQL an order's JSON is stored compressed with lz4, which costs the server half of what
its default (pglz) does per order a backfill writes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lumina.context import ServiceContext
from tests.factories import create_family, create_order, create_shop, link_family

_HAS_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


async def test_an_orders_json_is_compressed_with_lz4(context: ServiceContext) -> None:
    if context.database.is_sqlite:
        pytest.skip("SQLite stores the JSON as text and compresses nothing")
    async with context.database.transaction() as session:
        if not await session.scalar(text(_HAS_LZ4)):
            pytest.skip("this PostgreSQL server was built without lz4")
        family, shop = await create_family(session), await create_shop(session, context.secret_box)
        await link_family(session, family, shop)
        # Large enough to be compressed (PostgreSQL compresses a row past 2 KB), as a shop's orders are.
        await create_order(session, family, shop, raw_data={"id": 1, "customer_note": "Lumina " * 1000})

    async with context.database.transaction() as session:
        method = await session.scalar(text("SELECT pg_column_compression(raw_data) FROM cached_orders"))
    assert method == "lz4"
