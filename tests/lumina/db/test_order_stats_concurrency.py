"""Two writers of one family at once on PostgreSQL (SQLite has one writer at a time): they queue, never deadlock,
and leave the aggregate exact.

Each writer commits a page of a different shop linked to the same family (a shop's own pages are serialized by
its sync lease), so the orders differ but their groups (family, status, currency) overlap. Each page goes in two
upserts, as a page with more rows than one upsert chunk does, the two writers taking the groups in opposite
orders: without the triggers' lock per family, taken before any aggregate row, each would hold the groups of its
first upsert and wait for the other's.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from lumina.context import ServiceContext
from lumina.sync.routing import load_routes
from lumina.sync.writer import write_routed
from lumina.woocommerce import WooOrder
from tests.factories import create_family, create_shop, link_family
from tests.lumina.db.support import assert_aggregate_exact
from tests.lumina.sync.test_writer import order

STATUSES = ("cancelled", "completed", "failed", "on-hold", "pending", "processing", "refunded")
ORDERS = 140
ROUNDS = 8


def halves(round_: int, reverse: bool) -> list[list[WooOrder]]:
    """New orders in every status, in two upserts split by status, the later statuses first when `reverse`."""
    orders = [order(round_ * 1000 + i, status=STATUSES[i % len(STATUSES)], total=f"{i}.25") for i in range(ORDERS)]
    split = STATUSES[len(STATUSES) // 2]
    first, second = [o for o in orders if o.status < split], [o for o in orders if o.status >= split]
    return [second[::-1], first[::-1]] if reverse else [first, second]


async def test_two_writers_of_one_family_in_opposite_orders_finish_without_deadlock(context: ServiceContext) -> None:
    database = context.database
    if database.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    async with database.transaction() as session:
        family = await create_family(session)
        shops = [await create_shop(session, context.secret_box) for _ in range(2)]
        for shop in shops:
            await link_family(session, family, shop)

    for round_ in range(ROUNDS):
        both_began = asyncio.Barrier(2)

        async def write(shop_id: int, reverse: bool, round_: int = round_, both_began: asyncio.Barrier = both_began):
            async with database.transaction() as session:
                routes = await load_routes(session, shop_id)
                await both_began.wait()  # both transactions are open before either writes
                for upsert in halves(round_, reverse):
                    await write_routed(session, shop_id, routes, upsert, retention_cutoff=None)
                    await session.execute(text("SELECT pg_sleep(0.02)"))  # hold what it took while the other writes

        await asyncio.wait_for(asyncio.gather(write(shops[0].id, False), write(shops[1].id, True)), timeout=60)
        groups = await assert_aggregate_exact(database)
        assert sum(count for count, _ in groups.values()) == 2 * ORDERS * (round_ + 1)
