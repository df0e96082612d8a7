"""Migration 0003 on a database that already holds orders: the upgrade fills the aggregate from them and drops the
statistics index; the downgrade removes the table and its triggers and brings the index back; and up again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import Connection, inspect, text, update

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.db.migrate import downgrade, upgrade
from lumina.models import CachedOrder, Family, ShopConnection
from tests.factories import create_family, create_order, create_shop, link_family
from tests.lumina.db.support import assert_aggregate_exact, fresh_groups

STATS_INDEX = "ix_cached_orders_family_stats"
_TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'family_order_stats%'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'family_order_stats%'"
    " UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'family_order_stats%'",
}


def _schema(connection: Connection) -> tuple[bool, bool, int]:
    """Whether the aggregate table and the statistics index exist, and how many triggers (and functions) it has."""
    inspector = inspect(connection)
    indexes = {index["name"] for index in inspector.get_indexes("cached_orders")}
    triggers = connection.execute(text(_TRIGGERS[connection.dialect.name])).all()
    return inspector.has_table("family_order_stats"), STATS_INDEX in indexes, len(triggers)


async def schema(database: Database) -> tuple[bool, bool, int]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_schema)


@pytest.fixture
async def at_head_afterwards(database: Database) -> AsyncIterator[Database]:
    """The database is shared by the session's tests: it ends at the head revision whatever happens here."""
    yield database
    await upgrade(database)


async def _family_and_shop(context: ServiceContext) -> tuple[Family, ShopConnection]:
    """Made at the head revision: the older schemas the test visits hold orders, not today's shop columns."""
    async with context.database.transaction() as session:
        family = await create_family(session)
        shop = await create_shop(session, context.secret_box)
        await link_family(session, family, shop)
        return family, shop


async def _add_orders(context: ServiceContext, prefix: int) -> None:
    family, shop = await _family_and_shop(context)
    await _add_orders_of(context, family, shop, prefix)


async def _add_orders_of(context: ServiceContext, family: Family, shop: ShopConnection, prefix: int) -> None:
    async with context.database.transaction() as session:
        specs = [
            ("processing", "USD", Decimal("10.00"), Decimal(0)),
            ("completed", "USD", Decimal("99.99"), Decimal("9.99")),
            ("completed", "EUR", Decimal("12.345"), Decimal(0)),
            ("trash", "USD", Decimal("500.00"), Decimal(0)),
            ("checkout-draft", "USD", Decimal("70.00"), Decimal(0)),
        ]
        for number, (status, currency, total, refunded) in enumerate(specs, start=prefix):
            await create_order(
                session, family, shop, woocommerce_order_id=number, status=status, currency=currency, total=total,
                total_refunded=refunded,
            )  # fmt: skip


async def test_the_upgrade_fills_the_aggregate_from_existing_orders_and_the_downgrade_undoes_it(
    context: ServiceContext, at_head_afterwards: Database
) -> None:
    database = at_head_afterwards
    await _add_orders(context, 100)
    second = await _family_and_shop(context)
    triggers = (await schema(database))[2]
    assert triggers > 0

    await downgrade(database, "0002")
    assert await schema(database) == (False, True, 0)
    await _add_orders_of(context, *second, 200)  # written with no trigger, as before the migration
    async with database.transaction() as session:
        await session.execute(update(CachedOrder).where(CachedOrder.status == "processing").values(status="on-hold"))

    await upgrade(database)
    assert await schema(database) == (True, False, triggers)
    groups = await assert_aggregate_exact(database)
    assert len(groups) == 6  # three visible groups in each of two families
    await _add_orders(context, 300)  # and the triggers keep it from there
    await assert_aggregate_exact(database)

    await downgrade(database, "0002")
    await upgrade(database)
    assert await schema(database) == (True, False, triggers)
    assert len(await assert_aggregate_exact(database)) == len(await fresh_groups(database)) == 9
