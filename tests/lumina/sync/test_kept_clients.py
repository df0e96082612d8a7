"""A coordinator keeps each shop's client between the shop's runs (building one is a good part of an idle run's
CPU): each run still counts only its own requests, at most `size` clients are kept, and stopping closes them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import ShopConnection, ShopSyncState, SyncRun, SyncTrigger
from lumina.shops.connect import KeptClients
from lumina.sync import SyncCoordinator
from tests.lumina.sync.support import add_shop, stored
from woosim import ShopServer, SimulatedShop


async def test_idle_runs_on_a_kept_client_are_recorded_with_their_own_requests(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = SyncCoordinator(context)
    try:
        backfill = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        woo_shop.reset_request_counts()
        idle = [await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE) for _ in range(3)]
        assert coordinator.clients is not None
        kept = len(coordinator.clients)
    finally:
        await coordinator.stop()

    assert backfill.status == "succeeded", backfill.error
    assert [(r.status, r.requests, r.pages) for r in idle] == [("succeeded", 1, 1)] * 3
    assert woo_shop.request_counts["total"] == 3
    assert kept == 1
    assert len(coordinator.clients) == 0  # closed by `stop`
    async with context.database.transaction() as session:
        last = await session.scalar(select(SyncRun).order_by(SyncRun.id.desc()).limit(1))
        state = await session.get(ShopSyncState, linked.shop_id)
    assert last is not None
    assert state is not None
    assert (last.id, last.status, last.trigger, last.requests, last.pages) == (idle[-1].run_id, "succeeded",
                                                                               "schedule", 1, 1)  # fmt: skip
    assert state.last_success_at is not None
    assert last.finished_at is not None
    assert last.started_at <= state.last_success_at <= last.finished_at
    assert (state.consecutive_failures, state.next_attempt_at, state.lock_owner) == (0, None, None)


async def test_the_least_recently_used_client_is_closed_past_the_bound_and_the_rest_on_close(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    shops = [
        await stored(context, ShopConnection, (await add_shop(context, shop_server, woo_shop)).shop_id)
        for _ in range(3)
    ]
    clients = KeptClients(context.settings, context.secret_box, size=2)
    used = []
    for shop in shops:
        async with clients.using(shop) as client:
            await client.list_orders()
            used.append(client)
    async with clients.using(shops[2]) as again:
        pass

    assert again is used[2]  # kept: not built again
    assert len(clients) == 2
    with pytest.raises(RuntimeError, match="closed"):
        await used[0].list_orders()  # the least recently used, closed when the third was put back
    await used[1].list_orders()
    await clients.aclose()
    for client in used[1:]:
        with pytest.raises(RuntimeError, match="closed"):
            await client.list_orders()
