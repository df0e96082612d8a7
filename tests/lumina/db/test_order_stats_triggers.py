"""The triggers behind the statistics' aggregate, case by case: an upsert that updates moves an order's part, one
statement that inserts some rows and updates others counts both, cascades reach it, emptied groups stay at 0."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.families.service import delete_family
from lumina.models import CachedOrder
from lumina.shops.service import remove_shop
from lumina.sync.writer import write_shop_orders
from tests.factories import create_family, create_order, create_shop, link_family
from tests.lumina.db.support import assert_aggregate_exact
from tests.lumina.sync.test_writer import order

_ORDERS: Table = CachedOrder.__table__  # type: ignore[assignment]


async def _family_with_shop(context: ServiceContext) -> tuple[int, int]:
    async with context.database.transaction() as session:
        family = await create_family(session)
        shop = await create_shop(session, context.secret_box)
        await link_family(session, family, shop)
    return family.id, shop.id


async def _stored(database: Database, family_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    """Every row of the family's aggregate, those at 0 included."""
    statement = text("SELECT status, currency, order_count, net FROM family_order_stats WHERE family_id = :family")
    async with database.engine.connect() as connection:
        rows = await connection.execute(statement, {"family": family_id})
        return {(status, currency): (count, net) for status, currency, count, net in rows}


async def test_an_upsert_that_updates_moves_each_part_and_an_emptied_group_stays_at_zero(
    context: ServiceContext,
) -> None:
    family, shop = await _family_with_shop(context)
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop, [order(i, total="12.50") for i in (1, 2, 3)], retention_cutoff=None)
    async with context.database.transaction() as session:  # ON CONFLICT DO UPDATE for all three
        newer = [order(i, modified=5, status="completed", total="12.50") for i in (1, 2, 3)]
        await write_shop_orders(session, shop, newer, retention_cutoff=None)

    await assert_aggregate_exact(context.database)
    assert await _stored(context.database, family) == {
        ("completed", "EUR"): (3, 37_500_000),
        ("processing", "EUR"): (0, 0),  # kept: the delete path never inserts, so no row is ever removed
    }


async def test_one_statement_that_inserts_some_rows_and_updates_others_counts_both(
    context: ServiceContext,
) -> None:
    family, shop = await _family_with_shop(context)
    async with context.database.transaction() as session:
        await write_shop_orders(
            session, shop, [order(1, total="10.00"), order(2, total="20.00")], retention_cutoff=None
        )
    async with context.database.transaction() as session:
        held = {row.woocommerce_order_id: row for row in (await session.execute(_ORDERS.select())).mappings()}
        values = [
            {**held[1], "status": "completed", "total": Decimal("11.00")},  # updated
            {**held[2], "currency": "USD", "total_refunded": Decimal("5.00")},  # updated
            {**held[2], "woocommerce_order_id": 3, "status": "on-hold"},  # inserted
        ]
        for row in values:
            row.pop("id")
        insert = postgresql.insert if context.database.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(_ORDERS).values(values)  # one statement with three rows, as a bulk upsert sends it
        statement = statement.on_conflict_do_update(
            index_elements=["family_id", "shop_id", "woocommerce_order_id"],
            set_={name: statement.excluded[name] for name in ("status", "currency", "total", "total_refunded")},
        )
        await session.execute(statement)

    await assert_aggregate_exact(context.database)
    stored = await _stored(context.database, family)
    assert {key: value for key, value in stored.items() if value != (0, 0)} == {
        ("completed", "EUR"): (1, 11_000_000),
        ("processing", "USD"): (1, 15_000_000),
        ("on-hold", "EUR"): (1, 20_000_000),
    }


async def test_deleting_a_shop_or_a_family_takes_their_orders_out_of_the_aggregate(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        kept, dropped = await create_family(session), await create_family(session)
        first, second = await create_shop(session, context.secret_box), await create_shop(session, context.secret_box)
        for family, shop in ((kept, first), (kept, second), (dropped, first)):
            await link_family(session, family, shop)
            for status in ("processing", "completed", "completed"):
                await create_order(session, family, shop, status=status)

    async with context.database.transaction() as session:  # cascades to both families' orders of that shop
        await remove_shop(session, second.id)
    groups = await assert_aggregate_exact(context.database)
    assert groups[(kept.id, "completed", "USD")] == (2, 20_000_000)

    async with context.database.transaction() as session:  # cascades to the family's orders and aggregate rows
        await delete_family(session, dropped.id)
    groups = await assert_aggregate_exact(context.database)
    assert {family for family, _, _ in groups} == {kept.id}
    assert await _stored(context.database, dropped.id) == {}
