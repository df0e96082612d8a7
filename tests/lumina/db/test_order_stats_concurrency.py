"""Two writers of one family at once on PostgreSQL (SQLite has one writer at a time): they queue, never deadlock,
and leave the aggregate exact.

Each writer commits a page of a different shop linked to the same family (a shop's own pages are serialized by
its sync lease), so the orders differ but their groups (family, status, currency) overlap, written in opposite
orders. The writer's batched upsert reaches PostgreSQL as one statement per row: without the triggers' lock per
family, taken before any aggregate row, the two would take two groups' rows in opposite orders.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from lumina.context import ServiceContext
from lumina.sync.routing import load_routes
from lumina.sync.writer import tombstone_orders, write_routed
from lumina.woocommerce import WooOrder
from tests.factories import create_family, create_shop, link_family
from tests.lumina.db.support import assert_aggregate_exact
from tests.lumina.sync.test_writer import order

STATUSES = ("cancelled", "completed", "failed", "on-hold", "pending", "processing", "refunded")
ORDERS = 140
ROUNDS = 8


def page(round_: int, descending: bool) -> list[WooOrder]:
    """Orders in every status (moved to another status each round), sorted by status one way or the other."""
    orders = [
        order(i, modified=round_, status=STATUSES[(i + round_) % len(STATUSES)], total=f"{i}.25")
        for i in range(1, ORDERS + 1)
    ]
    return sorted(orders, key=lambda o: (o.status, o.id), reverse=descending)


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

        async def write(shop_id: int, descending: bool, round_: int = round_, both_began: asyncio.Barrier = both_began):
            async with database.transaction() as session:
                routes = await load_routes(session, shop_id)
                await both_began.wait()  # both transactions are open before either writes
                await write_routed(session, shop_id, routes, page(round_, descending), retention_cutoff=None)
                if round_ % 2:
                    ids = [o.id for o in page(round_, descending) if o.id % 10 == round_]
                    await tombstone_orders(session, shop_id, ids, now=page(round_, descending)[0].date_modified)
                await session.execute(text("SELECT pg_sleep(0.02)"))  # hold what it took while the other writes

        await asyncio.wait_for(asyncio.gather(write(shops[0].id, False), write(shops[1].id, True)), timeout=60)
        groups = await assert_aggregate_exact(database)
        assert sum(count for count, _ in groups.values()) > ORDERS  # both shops' orders are counted
