"""Which families see a shop's orders, and with which customer scope.

A shop is fetched once per cycle and each order is written to every family whose link covers it. The routes are
remembered with the cursor (`ShopSyncState.routes`): a family linked later, or a scope widened, has not received
the orders mirrored before, so the window is scanned again for everyone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import FamilyShop, ShopConnection


@dataclass(frozen=True, slots=True)
class Route:
    family_id: int
    customer_ids: frozenset[int] = frozenset()
    billing_emails: frozenset[str] = frozenset()

    @classmethod
    def of(cls, link: Row[*tuple[Any, ...]]) -> Route:
        """A route from a row with a link's family, customer ids and billing emails (`family_shops`' columns)."""
        return cls(
            family_id=link.family_id,
            customer_ids=frozenset(int(c) for c in link.customer_ids or () if int(c)),
            billing_emails=frozenset(e.strip().lower() for e in link.billing_emails or () if e and e.strip()),
        )

    @property
    def scoped(self) -> bool:
        return bool(self.customer_ids or self.billing_emails)

    def covers(self, customer_id: int, billing_email: str | None) -> bool:
        """Same rule as `FamilyShop.covers`: no scope sees everything; otherwise the customer id or the email."""
        if not self.scoped:
            return True
        if customer_id and customer_id in self.customer_ids:
            return True
        return billing_email is not None and billing_email.lower() in self.billing_emails

    @property
    def fingerprint(self) -> str:
        scope = {"c": sorted(self.customer_ids), "e": sorted(self.billing_emails)}
        return hashlib.sha256(json.dumps(scope).encode()).hexdigest()[:16]


_LINKS = cast(Table, FamilyShop.__table__)
# What `Route.of` reads of a link.
_ROUTE_COLUMNS = (_LINKS.c.family_id, _LINKS.c.customer_ids, _LINKS.c.billing_emails)
# A shop's routes, built once (a webhook's refresh and `write_shop_orders` read them; a run reads them with its
# shop, `load_shop`).
_ROUTES = (
    select(*_ROUTE_COLUMNS)
    .where(_LINKS.c.shop_id == bindparam("shop_id", type_=_LINKS.c.shop_id.type))
    .order_by(_LINKS.c.id)
)


async def load_routes(session: AsyncSession, shop_id: int) -> list[Route]:
    return [Route.of(link) for link in await session.execute(_ROUTES, {"shop_id": shop_id})]


_SHOPS = cast(Table, ShopConnection.__table__)
# A run's shop and its routes in one statement, built once: a row per linked family (one without a family when
# none is linked). Every run of every idle shop reads them; the ORM's `session.get` and a second statement cost it
# more CPU than the database's work.
_SHOP_ROUTES = (
    select(*_SHOPS.c, *_ROUTE_COLUMNS)
    .select_from(_SHOPS.outerjoin(_LINKS, _LINKS.c.shop_id == _SHOPS.c.id))
    .where(_SHOPS.c.id == bindparam("shop_id", type_=_SHOPS.c.id.type))
    .order_by(_LINKS.c.id)
)


async def load_shop(session: AsyncSession, shop_id: int) -> tuple[ShopConnection, list[Route]] | None:
    """The shop (detached: a run reads it and writes nothing to it) and its routes; None when there is no such
    shop."""
    rows = (await session.execute(_SHOP_ROUTES, {"shop_id": shop_id})).all()
    if not rows:
        return None
    shop = ShopConnection(**{column.key: rows[0]._mapping[column] for column in _SHOPS.c})
    return shop, [Route.of(row) for row in rows if row.family_id is not None]


def route_map(routes: Sequence[Route]) -> dict[str, str]:
    """The routes as stored with the cursor: family id (as text, a JSON key) to scope fingerprint."""
    return {str(route.family_id): route.fingerprint for route in routes}


def needs_rescan(stored: dict[str, str] | None, routes: Sequence[Route]) -> list[int]:
    """Families whose orders were not all routed to them yet: newly linked, or with a changed scope."""
    stored = stored or {}
    return [route.family_id for route in routes if stored.get(str(route.family_id)) != route.fingerprint]


def unlinked(stored: dict[str, str] | None, routes: Sequence[Route]) -> list[int]:
    """Families that received this shop's orders but are no longer linked to it."""
    current = {str(route.family_id) for route in routes}
    return [int(family) for family in (stored or {}) if family not in current]
