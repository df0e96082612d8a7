"""Queries on families. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import Family, FamilyShop, User


async def get(session: AsyncSession, family_id: int) -> Family | None:
    return await session.get(Family, family_id)


async def list_all(session: AsyncSession, *, only: int | None = None) -> Sequence[Family]:
    statement = select(Family).order_by(Family.id)
    if only is not None:
        statement = statement.where(Family.id == only)
    return (await session.execute(statement)).scalars().all()


async def add(session: AsyncSession, name: str) -> Family:
    family = Family(name=name)
    session.add(family)
    await session.flush()
    return family


async def user_counts(session: AsyncSession) -> dict[int, int]:
    statement = select(User.family_id, func.count()).group_by(User.family_id)
    return dict((await session.execute(statement)).all())


async def shop_ids(session: AsyncSession) -> dict[int, list[int]]:
    statement = select(FamilyShop.family_id, FamilyShop.shop_id).order_by(FamilyShop.family_id, FamilyShop.shop_id)
    linked: dict[int, list[int]] = {}
    for family_id, shop_id in (await session.execute(statement)).all():
        linked.setdefault(family_id, []).append(shop_id)
    return linked


async def without_shop(session: AsyncSession) -> Sequence[Family]:
    """Families linked to no shop at all."""
    linked = select(FamilyShop.family_id)
    return (await session.execute(select(Family).where(Family.id.not_in(linked)).order_by(Family.id))).scalars().all()


async def exists_any(session: AsyncSession) -> bool:
    return (await session.execute(select(Family.id).limit(1))).first() is not None


async def delete(session: AsyncSession, family_id: int) -> None:
    """The database cascades to the family's users, tokens, links and orders."""
    await session.execute(sql_delete(Family).where(Family.id == family_id))
