"""What an administrator may manage: everything (the operator's `admin`), or one family (a `family_admin`).

A family administrator manages its family's users and the family's shop links, and is told nothing of other
families: their families, users and links answer 404, as missing ones do. It cannot make anyone an operator
administrator nor touch one, and a link it changes may only show the family less than it does now (a shared
shop's scope is the operator's to widen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth import users
from lumina.auth.deps import StaffUser
from lumina.errors import ForbiddenError, NotFoundError
from lumina.models import User, UserRole
from lumina.shops import repository as shops
from lumina.shops.service import normalized_scope


@dataclass(frozen=True, slots=True)
class AdminScope:
    family_id: int | None  # None: every family

    @property
    def operator(self) -> bool:
        return self.family_id is None

    def family(self, family_id: int) -> int:
        """`family_id`, when this administrator may see it."""
        if self.family_id is not None and family_id != self.family_id:
            raise NotFoundError(f"Family {family_id} not found")
        return family_id

    def families(self, family_id: int | None) -> int | None:
        """The family a listing is limited to: the one asked for (if visible), or a family admin's own."""
        return self.family(family_id) if family_id is not None else self.family_id

    def role(self, role: UserRole | None) -> None:
        if role is UserRole.ADMIN and not self.operator:
            raise ForbiddenError("A family administrator cannot make anyone an operator administrator")

    async def user(self, session: AsyncSession, user_id: int, *, change: bool = True) -> User:
        """The user, when this administrator may see them (and change them, with `change`)."""
        user = await users.get_user(session, user_id)
        if self.family_id is None:
            return user
        if user.family_id != self.family_id:
            raise NotFoundError(f"User {user_id} not found")
        if change and user.role is UserRole.ADMIN:
            raise ForbiddenError("An operator administrator is managed by the operator's administrators only")
        return user

    async def link_change(
        self, session: AsyncSession, family_id: int, shop_id: int, customer_ids: Sequence[int], emails: Sequence[str]
    ) -> None:
        """A family administrator may narrow or drop a link of its family, never add one or widen its scope."""
        self.family(family_id)
        if self.operator:
            return
        link = await shops.link(session, family_id, shop_id)
        if link is None:
            raise NotFoundError(f"Shop {shop_id} not found")
        if not link.scoped:
            return
        ids, addresses = normalized_scope(customer_ids, emails)
        within = set(ids or ()) <= set(link.customer_ids or ()) and set(addresses or ()) <= set(
            link.billing_emails or ()
        )
        if not (ids or addresses) or not within:
            raise ForbiddenError(
                "A family administrator may narrow this link's customer scope, not widen it: ask the operator"
            )


def scope_of(user: StaffUser) -> AdminScope:
    return AdminScope(None if user.role is UserRole.ADMIN else user.family_id)


AdminScopeDep = Annotated[AdminScope, Depends(scope_of)]
