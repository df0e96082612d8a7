"""Statistics read from the maintained aggregate are byte for byte what the GROUP BY over the orders answered
before it, after orders changed status, currency and refunds or left, and when a family's orders all left."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from pydantic import TypeAdapter
from sqlalchemy import delete, text, update

from lumina.db import Database
from lumina.db.types import from_micros
from lumina.models import CachedOrder, ShopSyncState
from lumina.orders.repository import StatusGroup
from lumina.orders.schemas import StatsEnvelope
from lumina.orders.service import summarise
from tests.lumina.auth.support import SignedIn
from tests.lumina.orders.conftest import Household

STATS = "/api/v1/orders/stats"
_RENDER = TypeAdapter(StatsEnvelope)
_GROUP_BY = text(
    "SELECT status, currency, count(*), sum(total - total_refunded) FROM cached_orders"
    " WHERE family_id = :family AND is_visible GROUP BY status, currency"
)


async def group_by_answer(database: Database, family_id: int, last_sync: datetime | None) -> bytes:
    """The answer as the GROUP BY over the family's visible orders gave it, rendered as the endpoint renders."""
    async with database.engine.connect() as connection:
        rows = await connection.execute(_GROUP_BY, {"family": family_id})
        groups = [StatusGroup(status, currency, int(count), from_micros(net)) for status, currency, count, net in rows]
    return _RENDER.dump_json(StatsEnvelope(stats=summarise(groups, last_sync=last_sync)), by_alias=True)


async def test_stats_are_the_group_by_answer_after_orders_change_and_leave(
    client: httpx.AsyncClient, database: Database, member: SignedIn, member_home: Household
) -> None:
    synced = datetime(2026, 3, 2, 8, 30, 15, 123456, tzinfo=UTC)
    ids = member_home.order_ids
    async with database.transaction() as session:
        session.add(ShopSyncState(shop_id=member_home.shop.id, last_success_at=synced))
        await session.execute(update(CachedOrder).where(CachedOrder.id == ids[1]).values(status="completed"))
        await session.execute(
            update(CachedOrder).where(CachedOrder.id == ids[2]).values(total_refunded=Decimal("7.50"))
        )
        await session.execute(update(CachedOrder).where(CachedOrder.id == ids[3]).values(currency="EUR"))
        await session.execute(
            update(CachedOrder).where(CachedOrder.id == ids[4]).values(is_visible=False, status="trash")
        )
        await session.execute(delete(CachedOrder).where(CachedOrder.id == ids[0]))

    response = await client.get(STATS, headers=member.headers)
    assert response.status_code == 200
    assert response.content == await group_by_answer(database, member.family.id, synced)


async def test_a_family_whose_orders_all_left_reads_like_one_that_never_had_any(
    client: httpx.AsyncClient, database: Database, member: SignedIn, member_home: Household
) -> None:
    async with database.transaction() as session:
        await session.execute(update(CachedOrder).values(is_visible=False))

    async with database.engine.connect() as connection:
        emptied = text("SELECT count(*) FROM family_order_stats WHERE family_id = :family AND order_count = 0")
        assert (await connection.execute(emptied, {"family": member.family.id})).scalar_one() > 0

    response = await client.get(STATS, headers=member.headers)
    assert response.content == await group_by_answer(database, member.family.id, None)
    assert response.json()["stats"]["currency"] is None
    assert response.json()["stats"]["revenue_by_currency"] == {}
