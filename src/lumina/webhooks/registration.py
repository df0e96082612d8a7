"""Keeping each shop's webhooks what they should be: one active webhook per order topic at our address.

Ours are the webhooks we recorded (`shop_webhooks`) and any at our exact address; other software's webhooks on
the shop, and another Lumina's at its own address, are never touched. A webhook the shop disabled after failed
deliveries is re-activated and counted; ours at an old address (PUBLIC_URL or ENCRYPTION_KEY changed) or
duplicated are removed. The secret is per shop, random, stored encrypted, and stored before any webhook is
created: the shop pings the address while it creates one.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select

from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.models import ShopConnection, ShopWebhook
from lumina.webhooks.intake import ORDER_TOPICS
from lumina.webhooks.signature import delivery_url
from lumina.woocommerce import WooClient, WooNotFoundError, WooWebhook

logger = get_logger("lumina.webhooks")

NAME = "Lumina order sync"


@dataclass(slots=True)
class Report:
    shop_id: int
    delivery_url: str
    webhooks: dict[str, str] = field(default_factory=dict)  # topic -> status on the shop
    created: int = 0
    reactivated: int = 0
    removed: int = 0
    stale: int = 0  # ours at another address or duplicated, still on the shop (status only)
    reactivations_total: int = 0


class Registrar:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def url_for(self, shop_id: int) -> str:
        return delivery_url(self.context.settings.public_url, self.context.secret_box, shop_id)

    async def ensure(self, shop_id: int, client: WooClient) -> Report:
        """Register what is missing, re-activate what the shop disabled, remove our stale ones."""
        url = self.url_for(shop_id)
        secret, fresh = await self._secret(shop_id)
        recorded = await self._recorded(shop_id)
        keep, stale = self._sort(await client.list_webhooks(), recorded, url)
        report = Report(shop_id, url)
        for hook in stale:
            await self._remove(client, hook.id)
            report.removed += 1
        for topic in ORDER_TOPICS:
            held = keep.get(topic)
            reactivating = held is not None and held.status != "active"
            if held is None:
                hook = await client.create_webhook(
                    name=f"{NAME}: {topic}", topic=topic, delivery_url=url, secret=secret
                )
                report.created += 1
            elif reactivating or fresh:
                # A fresh secret (the stored one was lost) must reach the webhooks we keep, or nothing verifies.
                changes = {"status": "active"} | ({"secret": secret} if fresh else {})
                hook = await client.update_webhook(held.id, **changes)
            else:
                hook = held
            if reactivating:
                report.reactivated += 1
                logger.warning("the shop had disabled a webhook: re-activated", shop_id=shop_id, topic=topic)
            await self._record(shop_id, hook, reactivated=reactivating)
            keep[topic] = hook
        report.webhooks = {topic: hook.status for topic, hook in keep.items()}
        report.reactivations_total = await self._forget_others(shop_id, {hook.id for hook in keep.values()})
        return report

    async def status(self, shop_id: int, client: WooClient) -> Report:
        """What the shop holds of ours, changing nothing."""
        url = self.url_for(shop_id)
        recorded = await self._recorded(shop_id)
        keep, stale = self._sort(await client.list_webhooks(), recorded, url)
        report = Report(shop_id, url, {topic: hook.status for topic, hook in keep.items()}, stale=len(stale))
        report.reactivations_total = sum(recorded.values())
        return report

    async def remove(self, shop_id: int, client: WooClient) -> int:
        """Remove every webhook of ours from the shop and forget the secret; returns how many were removed."""
        recorded = await self._recorded(shop_id)
        keep, stale = self._sort(await client.list_webhooks(), recorded, self.url_for(shop_id))
        hooks = [*keep.values(), *stale]
        for hook in hooks:
            await self._remove(client, hook.id)
        async with self.context.database.transaction() as session:
            await session.execute(delete(ShopWebhook).where(ShopWebhook.shop_id == shop_id))
            shop = await session.get(ShopConnection, shop_id)
            if shop is not None:
                shop.webhook_secret_encrypted = None
        return len(hooks)

    # -- helpers ----------------------------------------------------------------------------------------------

    @staticmethod
    def _sort(
        remote: list[WooWebhook], recorded: dict[int, int], url: str
    ) -> tuple[dict[str, WooWebhook], list[WooWebhook]]:
        """Our webhooks on the shop: the one to keep per topic, and the stale rest."""
        keep: dict[str, WooWebhook] = {}
        stale: list[WooWebhook] = []
        for hook in sorted(remote, key=lambda h: (h.status != "active", h.id)):
            if hook.id not in recorded and hook.delivery_url != url:
                continue  # not ours
            if hook.delivery_url == url and hook.topic in ORDER_TOPICS and hook.topic not in keep:
                keep[hook.topic] = hook
            else:
                stale.append(hook)
        return keep, stale

    async def _secret(self, shop_id: int) -> tuple[str, bool]:
        box = self.context.secret_box
        async with self.context.database.transaction() as session:
            shop = await session.get(ShopConnection, shop_id)
            if shop is None:
                raise LookupError(f"There is no shop with id {shop_id}.")
            if shop.webhook_secret_encrypted:
                return box.decrypt(shop.webhook_secret_encrypted), False
            secret = secrets.token_urlsafe(32)
            shop.webhook_secret_encrypted = box.encrypt(secret)
            return secret, True

    async def _recorded(self, shop_id: int) -> dict[int, int]:
        """Our recorded webhooks: remote id -> re-activations so far."""
        async with self.context.database.transaction() as session:
            rows = await session.execute(
                select(ShopWebhook.remote_id, ShopWebhook.reactivations).where(ShopWebhook.shop_id == shop_id)
            )
            return {row.remote_id: row.reactivations for row in rows}

    async def _record(self, shop_id: int, hook: WooWebhook, *, reactivated: bool) -> None:
        now = datetime.now(UTC)
        async with self.context.database.transaction() as session:
            row = await session.scalar(
                select(ShopWebhook).where(ShopWebhook.shop_id == shop_id, ShopWebhook.remote_id == hook.id)
            )
            if row is None:
                row = ShopWebhook(shop_id=shop_id, remote_id=hook.id, reactivations=0)
                session.add(row)
            row.topic, row.delivery_url, row.status, row.checked_at = hook.topic, hook.delivery_url, hook.status, now
            row.reactivations = (row.reactivations or 0) + int(reactivated)

    async def _forget_others(self, shop_id: int, kept: set[int]) -> int:
        """Drop the records of webhooks no longer ours; returns the shop's re-activations so far."""
        async with self.context.database.transaction() as session:
            await session.execute(
                delete(ShopWebhook).where(ShopWebhook.shop_id == shop_id, ShopWebhook.remote_id.not_in(kept or {-1}))
            )
            counts = await session.scalars(select(ShopWebhook.reactivations).where(ShopWebhook.shop_id == shop_id))
            return sum(counts)

    @staticmethod
    async def _remove(client: WooClient, webhook_id: int) -> None:
        with contextlib.suppress(WooNotFoundError):  # already gone
            await client.delete_webhook(webhook_id)
