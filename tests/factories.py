"""Plain async factories that write real rows; each returns the ORM object it made."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth.passwords import hash_password
from lumina.kit.crypto import SecretBox, key_hint
from lumina.models import CachedOrder, Family, FamilyShop, ShopConnection, User, UserRole
from lumina.models.order import HIDDEN_STATUSES

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"


async def create_family(session: AsyncSession, name: str | None = None) -> Family:
    family = Family(name=name or f"Family {next(_sequence)}")
    session.add(family)
    await session.flush()
    return family


async def create_user(
    session: AsyncSession,
    family: Family,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: UserRole = UserRole.MEMBER,
    name: str = "Test User",
) -> User:
    user = User(
        family_id=family.id,
        email=(email or f"user{next(_sequence)}@example.com").lower(),
        name=name,
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    await session.flush()
    return user


async def create_shop(
    session: AsyncSession,
    box: SecretBox,
    *,
    url: str = "http://127.0.0.1:1",
    consumer_key: str = "ck_test_0123456789",
    consumer_secret: str = "cs_test_0123456789",
    name: str = "Test shop",
    is_default: bool = False,
    **fields: Any,
) -> ShopConnection:
    shop = ShopConnection(
        name=name,
        url=url,
        consumer_key_encrypted=box.encrypt(consumer_key),
        consumer_secret_encrypted=box.encrypt(consumer_secret),
        key_hint=key_hint(consumer_key),
        is_default=is_default,
        **fields,
    )
    session.add(shop)
    await session.flush()
    return shop


async def link_family(
    session: AsyncSession,
    family: Family,
    shop: ShopConnection,
    *,
    customer_ids: list[int] | None = None,
    billing_emails: list[str] | None = None,
) -> FamilyShop:
    link = FamilyShop(family_id=family.id, shop_id=shop.id, customer_ids=customer_ids, billing_emails=billing_emails)
    session.add(link)
    await session.flush()
    return link


async def create_order(
    session: AsyncSession,
    family: Family,
    shop: ShopConnection,
    *,
    woocommerce_order_id: int | None = None,
    status: str = "processing",
    total: Decimal = Decimal("10.00"),
    currency: str = "USD",
    created: datetime | None = None,
    **fields: Any,
) -> CachedOrder:
    wc_id = woocommerce_order_id or next(_sequence) + 1000
    created = created or datetime.now(UTC) - timedelta(days=1)
    order = CachedOrder(
        family_id=family.id,
        shop_id=shop.id,
        woocommerce_order_id=wc_id,
        number=str(wc_id),
        status=status,
        currency=currency,
        total=total,
        customer_name=fields.pop("customer_name", "Ada Lovelace"),
        date_created=created,
        date_modified=fields.pop("date_modified", created),
        raw_data=fields.pop("raw_data", {"id": wc_id, "status": status, "total": str(total), "currency": currency}),
        is_visible=fields.pop("is_visible", status not in HIDDEN_STATUSES),
        **fields,
    )
    session.add(order)
    await session.flush()
    return order
