"""This process's way of acting on deliveries: the orders named while one batch is being read form the next.

One worker per shop at a time, so a burst of deliveries costs one shop request per batch instead of one each. A
batch that fails (the shop is down) is dropped with a warning: the next sync cycle brings those orders anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.models import ShopConnection
from lumina.shops.connect import build_client
from lumina.sync.engine import SyncOptions, error_text
from lumina.sync.refresh import refresh_orders
from lumina.woocommerce import WooClient

logger = get_logger("lumina.webhooks")

COMPONENT = "webhook_batcher"
MAX_BATCH = 100  # one `include` request


class HintBatcher:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.options = SyncOptions.from_settings(context.settings)
        self._pending: dict[int, set[int]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.batches = 0  # applied, for tests and the benchmark

    def add(self, shop_id: int, order_ids: Sequence[int]) -> None:
        self._pending.setdefault(shop_id, set()).update(order_ids)
        if shop_id not in self._workers:
            self._workers[shop_id] = asyncio.create_task(self._drain(shop_id), name=f"webhook-batch-{shop_id}")

    async def idle(self) -> None:
        """Wait until every order named so far has been applied (or its batch failed)."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))

    async def stop(self) -> None:
        for task in list(self._workers.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        self._pending.clear()

    async def _drain(self, shop_id: int) -> None:
        try:
            while self._pending.get(shop_id):
                pending = self._pending[shop_id]
                batch = sorted(pending)[:MAX_BATCH]
                pending.difference_update(batch)
                try:
                    await self._apply(shop_id, batch)
                except Exception as exc:
                    logger.warning("webhook batch failed: the next sync brings these orders", shop_id=shop_id,
                                   orders=len(batch), error=error_text(exc))  # fmt: skip
                self.batches += 1
        finally:
            del self._workers[shop_id]
            if not self._pending.get(shop_id):
                self._pending.pop(shop_id, None)

    async def _apply(self, shop_id: int, order_ids: Sequence[int]) -> None:
        await apply_hints(self.context, self.options, shop_id, order_ids)


async def apply_hints(context: ServiceContext, options: SyncOptions, shop_id: int, order_ids: Sequence[int]) -> None:
    """Re-read the named orders from the shop and write them under the newer-wins rule (a batch, or a queue job)."""
    async with context.database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
    if shop is None:
        return
    client: WooClient = build_client(context.settings, context.secret_box, shop)
    async with client:
        counts = await refresh_orders(context.database, shop, client, order_ids, options=options)
    logger.info("webhook batch applied", shop_id=shop_id, orders=len(order_ids), created=counts.created,
                updated=counts.updated, deleted=counts.deleted)  # fmt: skip
