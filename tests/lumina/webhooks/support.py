"""Helpers for the webhook tests: registering, letting the shop deliver, reading what the mirror holds."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import CachedOrder, ShopConnection, SyncTrigger
from lumina.webhooks.dispatch import batcher_of
from lumina.webhooks.registration import Registrar, Report
from lumina.woocommerce import WooClient
from tests.lumina.sync.support import fast_client_factory, make_coordinator
from woosim import SimulatedShop


async def client_of(context: ServiceContext, shop_id: int) -> WooClient:
    async with context.database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
    assert shop is not None
    client: WooClient = fast_client_factory(context)(shop)
    return client


async def register(context: ServiceContext, shop_id: int) -> Report:
    async with await client_of(context, shop_id) as client:
        return await Registrar(context).ensure(shop_id, client)


async def synced(context: ServiceContext, shop_id: int) -> None:
    result = await make_coordinator(context).sync_shop(shop_id, trigger=SyncTrigger.CLI)
    assert result.status == "succeeded", result.error


async def deliver(context: ServiceContext, shop: SimulatedShop) -> None:
    """Let the shop send what it queued (our server answers on this loop, hence the thread), then wait until
    the orders named are applied."""
    assert await asyncio.to_thread(shop.webhooks.flush)
    await batcher_of(context).idle()


async def row(context: ServiceContext, shop_id: int, order_id: int) -> CachedOrder | None:
    async with context.database.transaction() as session:
        return await session.scalar(
            select(CachedOrder).where(CachedOrder.shop_id == shop_id, CachedOrder.woocommerce_order_id == order_id)
        )


async def secret_of(context: ServiceContext, shop_id: int) -> str:
    async with context.database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
    assert shop is not None
    assert shop.webhook_secret_encrypted
    return context.secret_box.decrypt(shop.webhook_secret_encrypted)
