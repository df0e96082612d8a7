"""Fixtures of the orders tests: families with shops and orders, written as real rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import CachedOrder, Family, ShopConnection
from tests.factories import create_family, create_order, create_shop, link_family
from tests.lumina.auth.support import SignedIn, admin, member, sign_in

__all__ = ["admin", "member", "sign_in"]

BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Household:
    """A family linked to a shop, with the orders made for it."""

    family: Family
    shop: ShopConnection
    orders: list[CachedOrder] = field(default_factory=list)

    @property
    def order_ids(self) -> list[int]:
        return [order.id for order in self.orders]


async def make_household(
    database: Database,
    context: ServiceContext,
    specs: list[dict[str, object]],
    *,
    family: Family | None = None,
    shop: ShopConnection | None = None,
) -> Household:
    """A family (new unless given) linked to a shop (new unless given), with one order per spec (keyword arguments
    of create_order)."""
    async with database.transaction() as session:
        family = family or await create_family(session)
        shop = shop or await create_shop(session, context.secret_box)
        await link_family(session, family, shop)
        household = Household(family=family, shop=shop)
        for index, spec in enumerate(specs):
            values: dict[str, object] = {"created": BASE_TIME + timedelta(hours=index)}
            values.update(spec)
            household.orders.append(await create_order(session, family, shop, **values))  # type: ignore[arg-type]
    return household


def mixed_orders() -> list[dict[str, object]]:
    """Orders in every status, two currencies, a refund, and rows a family must never see."""
    return [
        {"status": "pending", "total": Decimal("5.00"), "customer_name": "Grace Hopper"},
        {"status": "processing", "total": Decimal("10.00"), "customer_name": "Ada Lovelace"},
        {"status": "processing", "total": Decimal("20.50"), "customer_name": "Alan Turing"},
        {"status": "on-hold", "total": Decimal("7.25"), "customer_name": "Barbara Liskov"},
        {
            "status": "completed",
            "total": Decimal("100.00"),
            "total_refunded": Decimal("30.00"),
            "customer_name": "Edsger Dijkstra",
        },
        {"status": "cancelled", "total": Decimal("40.00"), "customer_name": "Donald Knuth"},
        {
            "status": "refunded",
            "total": Decimal("60.00"),
            "total_refunded": Decimal("60.00"),
            "customer_name": "Frances Allen",
        },
        {"status": "failed", "total": Decimal("3.00"), "customer_name": "John Backus"},
        {"status": "completed", "total": Decimal("12.345"), "currency": "EUR", "customer_name": "Niklaus Wirth"},
        {"status": "wc-shipped", "total": Decimal("9.00"), "customer_name": "Plugin Status"},
        {"status": "trash", "total": Decimal("999.00"), "customer_name": "In The Trash"},
        {"status": "checkout-draft", "total": Decimal("999.00"), "customer_name": "Unfinished Checkout"},
        {
            "status": "completed",
            "total": Decimal("999.00"),
            "customer_name": "Tombstone",
            "deleted_at": BASE_TIME,
            "is_visible": False,
        },
    ]


@pytest.fixture
async def household(database: Database, context: ServiceContext) -> Household:
    return await make_household(database, context, mixed_orders())


@pytest.fixture
async def neighbours(database: Database, context: ServiceContext, household: Household) -> Household:
    """Another family with orders of its own, on another shop."""
    return await make_household(
        database, context, [{"status": "processing", "total": Decimal("555.00"), "customer_name": "Neighbour"}] * 5
    )


@pytest.fixture
async def member_home(database: Database, context: ServiceContext, member: SignedIn) -> Household:
    """The signed-in member's family with the mixed orders."""
    return await make_household(database, context, mixed_orders(), family=member.family)
