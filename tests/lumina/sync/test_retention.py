"""Retention: old orders leave the mirror, by the job and by the CLI, and the next sync does not bring them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from lumina.sync.retention import remove_expired_orders
from tests.lumina.sync.support import add_shop, cached_rows, make_coordinator
from woosim import ShopServer, SimulatedShop


async def test_old_orders_are_removed_and_stay_removed(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    await make_coordinator(context, retention_days=0).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, days_back=60)
    cutoff = datetime.now(UTC) - timedelta(days=20)
    before = await cached_rows(context.database, linked.shop_id)
    old = {r.woocommerce_order_id for r in before if r.date_created < cutoff}
    assert old
    assert len(old) < len(before)

    removed = await remove_expired_orders(context.database, 20)
    assert removed == len(old)
    assert all(r.date_created >= cutoff for r in await cached_rows(context.database, linked.shop_id))

    for order_id in sorted(old)[:5]:
        woo_shop.update_order(order_id, status="completed")  # modified now: in every sync's window again
    woo_shop.clock.advance(10)
    coordinator = make_coordinator(context, retention_days=20)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, days_back=60, reconcile=True)
    assert result.status == "succeeded"
    assert result.created == 0
    held = {r.woocommerce_order_id for r in await cached_rows(context.database, linked.shop_id)}
    assert not held & old


async def test_retention_zero_keeps_everything(context: ServiceContext) -> None:
    assert await remove_expired_orders(context.database, 0) == 0
