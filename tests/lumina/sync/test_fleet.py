"""Two shops of one woosim fleet (one process, one port, each below its own path) synced over real HTTP: each
mirror is exact and holds only its own shop's orders, first sync and incremental (a change in one shop is seen
in that shop only)."""

from __future__ import annotations

from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from tests.lumina.sync.support import add_shop, make_coordinator, mirror_problems
from tests.lumina.sync.test_incremental import window_start
from woosim import Fleet, FleetServer, ShopConfig


async def test_two_fleet_shops_sync_exactly_each_from_its_own_path(context: ServiceContext) -> None:
    with Fleet(2, ShopConfig(order_count=150, days=20), first_seed=21) as fleet, FleetServer(fleet) as server:
        shops = [fleet.shop(n) for n in (1, 2)]
        linked = [await add_shop(context, server.shop_url(n), fleet.shop(n), name=f"fleet {n}") for n in (1, 2)]
        coordinator = make_coordinator(context)

        async def sync_and_check() -> list[int]:
            processed = []
            for row, shop in zip(linked, shops, strict=True):
                result = await coordinator.sync_shop(row.shop_id, trigger=SyncTrigger.CLI)
                assert result.status == "succeeded", result.error
                problems = await mirror_problems(
                    context.database, row.shop_id, shop, families=[(row.family_ids[0], None)], since=window_start(20)
                )
                assert problems == [], problems[:5]
                processed.append(result.processed)
            return processed

        assert await sync_and_check() == [150, 150]
        for order_id in shops[1].order_ids()[:3]:
            shops[1].update_order(order_id, status="on-hold")
        assert await sync_and_check() == [0, 3]  # each shop's own changes only
