"""A sync run by this process, not through the API (the scheduler's), shows in the cached stats at once."""

from __future__ import annotations

import httpx

from lumina.context import ServiceContext
from lumina.models import Family, SyncTrigger
from tests.factories import create_user
from tests.lumina.auth.support import login
from tests.lumina.sync.support import add_shop, make_coordinator
from woosim import ShopServer, SimulatedShop

STATS = "/api/v1/orders/stats"


async def test_an_idle_scheduled_sync_moves_last_sync_in_the_cached_stats(
    client: httpx.AsyncClient, context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    context.settings.orders_cache_seconds = 60  # only the announcement can explain a fresh answer
    linked = await add_shop(context, shop_server, woo_shop)
    async with context.database.transaction() as session:
        family = await session.get_one(Family, linked.family_ids[0])
        user = await create_user(session, family)
    headers = {"Authorization": f"Bearer {(await login(client, user.email)).json()['accessToken']}"}
    coordinator = make_coordinator(context)

    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    first = (await client.get(STATS, headers=headers)).json()["stats"]["last_sync"]
    idle = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)  # nothing changed on the shop
    assert idle.created == idle.updated == 0
    second = (await client.get(STATS, headers=headers)).json()["stats"]["last_sync"]

    assert first is not None
    assert second > first
