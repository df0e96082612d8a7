"""A lease holder that stopped in the middle of a statement (frozen, its machine lost) keeps its shop's state row
locked in PostgreSQL. Taking the lease waits for that lock a bounded time: past an expired lease the stuck session is
ended and the shop taken over; a live holder's lease is answered "busy", never waited on for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from lumina.context import ServiceContext
from lumina.sync.state import ShopLease
from tests.factories import create_shop

FROZEN = "lost-host:1:frozen"


@pytest.fixture
async def shop_id(context: ServiceContext) -> int:
    if context.database.is_sqlite:
        pytest.skip("PostgreSQL: SQLite has one writer at a time and no other session to end")
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        return shop.id


@pytest.fixture
async def holder(context: ServiceContext) -> AsyncIterator[asyncpg.Connection]:
    """The frozen holder's own session, outside the service's pool."""
    url = context.database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(url)
    yield connection
    if not connection.is_closed():
        await connection.close()


async def hold_row(holder: asyncpg.Connection, shop_id: int) -> None:
    """The holder inside a page's transaction: the shop's state row locked, the transaction left open."""
    await holder.execute("BEGIN")
    await holder.execute("SELECT 1 FROM shop_sync_state WHERE shop_id = $1 FOR UPDATE", shop_id)


async def test_an_expired_holder_stuck_on_the_row_is_ended_and_the_shop_taken_over(
    context: ServiceContext, shop_id: int, holder: asyncpg.Connection
) -> None:
    assert await ShopLease(context.database, shop_id, FROZEN, timedelta(seconds=-1)).acquire()  # expired already
    await hold_row(holder, shop_id)

    taker = ShopLease(context.database, shop_id, "live-host:2:taker")
    assert await taker.acquire()

    with pytest.raises((asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError)):
        await holder.fetchval("SELECT 1")  # its session was ended, its transaction rolled back
    async with context.database.transaction() as session:
        assert await taker.renew()
        await taker.release_in(session)


async def test_a_live_holder_on_the_row_is_answered_busy_and_left_alone(
    context: ServiceContext, shop_id: int, holder: asyncpg.Connection
) -> None:
    assert await ShopLease(context.database, shop_id, FROZEN, timedelta(seconds=60)).acquire()
    await hold_row(holder, shop_id)

    assert not await ShopLease(context.database, shop_id, "live-host:2:taker").acquire()

    assert await holder.fetchval("SELECT 1") == 1
    await holder.execute("ROLLBACK")
