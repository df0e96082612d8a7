"""Queries on shop connections and family links. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import CachedOrder, FamilyShop, ShopConnection, ShopSyncState, ShopWebhook


async def get(session: AsyncSession, shop_id: int) -> ShopConnection | None:
    return await session.get(ShopConnection, shop_id)


async def list_all(session: AsyncSession, *, limit: int | None = None, offset: int = 0) -> Sequence[ShopConnection]:
    statement = select(ShopConnection).order_by(ShopConnection.id).limit(limit).offset(offset)
    return (await session.execute(statement)).scalars().all()


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ShopConnection)) or 0)


async def by_ids(session: AsyncSession, shop_ids: Iterable[int]) -> Sequence[ShopConnection]:
    statement = select(ShopConnection).where(ShopConnection.id.in_(list(shop_ids)))
    return (await session.execute(statement)).scalars().all()


async def default_shop(session: AsyncSession) -> ShopConnection | None:
    statement = select(ShopConnection).where(ShopConnection.is_default.is_(True)).order_by(ShopConnection.id).limit(1)
    return (await session.execute(statement)).scalar_one_or_none()


async def by_url(session: AsyncSession, url: str) -> ShopConnection | None:
    statement = select(ShopConnection).where(func.lower(ShopConnection.url) == url.lower()).limit(1)
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, shop: ShopConnection) -> ShopConnection:
    session.add(shop)
    await session.flush()
    return shop


async def delete_shop(session: AsyncSession, shop_id: int) -> None:
    """The database cascades to the shop's links, orders, sync state and runs."""
    await session.execute(delete(ShopConnection).where(ShopConnection.id == shop_id))


async def family_counts(session: AsyncSession, shop_ids: Sequence[int] | None = None) -> dict[int, int]:
    statement = select(FamilyShop.shop_id, func.count()).group_by(FamilyShop.shop_id)
    if shop_ids is not None:
        statement = statement.where(FamilyShop.shop_id.in_(shop_ids))
    return dict((await session.execute(statement)).all())


async def sync_states(session: AsyncSession, shop_ids: Sequence[int] | None = None) -> dict[int, ShopSyncState]:
    statement = select(ShopSyncState)
    if shop_ids is not None:
        statement = statement.where(ShopSyncState.shop_id.in_(shop_ids))
    return {state.shop_id: state for state in (await session.execute(statement)).scalars()}


async def webhooks_of(session: AsyncSession, shop_ids: Sequence[int]) -> dict[int, list[ShopWebhook]]:
    """The webhooks this service registered on each shop, by topic."""
    statement = select(ShopWebhook).where(ShopWebhook.shop_id.in_(shop_ids)).order_by(ShopWebhook.topic)
    found: dict[int, list[ShopWebhook]] = {}
    for hook in (await session.execute(statement)).scalars():
        found.setdefault(hook.shop_id, []).append(hook)
    return found


async def mirrored_counts(session: AsyncSession, shop_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Distinct orders of each shop in the cache (a shop shared by families has a copy per family): an index-only
    scan of `ix_cached_orders_shop_order`."""
    statement = select(CachedOrder.shop_id, func.count(CachedOrder.woocommerce_order_id.distinct())).group_by(
        CachedOrder.shop_id
    )
    if shop_ids is not None:
        statement = statement.where(CachedOrder.shop_id.in_(shop_ids))
    return dict((await session.execute(statement)).all())


async def sample_orders(session: AsyncSession, shop_id: int, limit: int) -> list[tuple[int, datetime]]:
    """Some of the shop's cached orders (the newest by id), as (WooCommerce id, creation time)."""
    statement = (
        select(CachedOrder.woocommerce_order_id, CachedOrder.date_created)
        .where(CachedOrder.shop_id == shop_id)
        .distinct()
        .order_by(CachedOrder.woocommerce_order_id.desc())
        .limit(limit)
    )
    return [(int(row[0]), row[1]) for row in (await session.execute(statement)).all()]


# Links ----------------------------------------------------------------------------------------------------------


async def link(session: AsyncSession, family_id: int, shop_id: int) -> FamilyShop | None:
    statement = select(FamilyShop).where(FamilyShop.family_id == family_id, FamilyShop.shop_id == shop_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def links(
    session: AsyncSession, *, family_id: int | None = None, shop_id: int | None = None
) -> Sequence[FamilyShop]:
    statement = select(FamilyShop).order_by(FamilyShop.family_id, FamilyShop.shop_id)
    if family_id is not None:
        statement = statement.where(FamilyShop.family_id == family_id)
    if shop_id is not None:
        statement = statement.where(FamilyShop.shop_id == shop_id)
    return (await session.execute(statement)).scalars().all()


async def add_link(
    session: AsyncSession,
    family_id: int,
    shop_id: int,
    customer_ids: list[int] | None = None,
    billing_emails: list[str] | None = None,
) -> FamilyShop:
    row = FamilyShop(family_id=family_id, shop_id=shop_id, customer_ids=customer_ids, billing_emails=billing_emails)
    session.add(row)
    await session.flush()
    return row


async def delete_link(session: AsyncSession, family_id: int, shop_id: int) -> int:
    """Remove the link and the family's copies of that shop's orders: an unlinked family sees none of them."""
    statement = delete(FamilyShop).where(FamilyShop.family_id == family_id, FamilyShop.shop_id == shop_id)
    removed = int((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]
    if removed:
        await session.execute(
            delete(CachedOrder).where(CachedOrder.family_id == family_id, CachedOrder.shop_id == shop_id)
        )
    return removed
