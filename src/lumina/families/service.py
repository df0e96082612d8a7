"""Families: created linked to the default shop (when there is one), so a new family sees orders at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth.principal import forget_all_users
from lumina.errors import ConflictError, NotFoundError
from lumina.families import repository
from lumina.kit.text import clean_name
from lumina.logging import get_logger
from lumina.models import Family, FamilyShop, User
from lumina.shops import repository as shops

logger = get_logger("lumina.families")

MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class FamilySummary:
    family: Family
    user_count: int = 0
    shop_ids: list[int] = field(default_factory=list)


async def create_family(session: AsyncSession, name: str, *, link_default_shop: bool = True) -> Family:
    family = await repository.add(session, clean_name(name, owner="A family", max_length=MAX_NAME_LENGTH))
    default = await shops.default_shop(session) if link_default_shop else None
    if default is not None:
        await shops.add_link(session, family.id, default.id)
    logger.info("family created", family_id=family.id, default_shop_id=default.id if default else None)
    return family


async def get_family(session: AsyncSession, family_id: int) -> Family:
    family = await repository.get(session, family_id)
    if family is None:
        raise NotFoundError(f"Family {family_id} not found")
    return family


async def list_families(session: AsyncSession, *, only: int | None = None) -> list[FamilySummary]:
    """Every family, or only the family `only` (a family administrator's)."""
    counts = await repository.user_counts(session)
    linked = await repository.shop_ids(session)
    return [
        FamilySummary(family, counts.get(family.id, 0), linked.get(family.id, []))
        for family in await repository.list_all(session, only=only)
    ]


async def summary(session: AsyncSession, family: Family) -> FamilySummary:
    links: Sequence[FamilyShop] = await shops.links(session, family_id=family.id)
    counts = await repository.user_counts(session)
    return FamilySummary(family, counts.get(family.id, 0), [link.shop_id for link in links])


async def delete_family(session: AsyncSession, family_id: int, *, acting_user: User | None = None) -> None:
    """Delete a family with its users and orders; an administrator cannot delete the family they belong to."""
    family = await get_family(session, family_id)
    if acting_user is not None and acting_user.family_id == family.id:
        raise ConflictError("You cannot delete your own family: it would delete your account too")
    await repository.delete(session, family.id)
    forget_all_users(session)  # its users' cached sign-ins must not outlive them
    logger.info("family deleted", family_id=family_id)
