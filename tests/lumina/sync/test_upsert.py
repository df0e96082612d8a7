"""The upsert makes its parameters itself: what it stores must be what the column types store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from msgspec.structs import replace
from sqlalchemy import Table, insert

from lumina.context import ServiceContext
from lumina.models import CachedOrder
from lumina.sync.upsert import COLUMNS, FamilyRow, upsert_rows
from lumina.woocommerce import WooOrder
from tests.factories import create_family, create_shop
from tests.lumina.sync.support import mirrored_values

_TABLE: Table = CachedOrder.__table__  # type: ignore[assignment]
BERLIN = timezone(timedelta(hours=2))
SYNCED = datetime(2026, 11, 3, 1, 2, 3, 4, tzinfo=UTC)


def _orders() -> list[WooOrder]:
    """Values of every kind the columns take: aware times in and out of UTC, None, sub-cent money, a document
    orjson cannot encode (an integer key); dates as the shop wrote them in WooCommerce's form and in others."""
    listed = WooOrder.from_json(
        {
            "id": 3, "number": "A-3", "status": "processing", "currency": "usd", "total": "7.10",
            "customer_id": 0, "billing": {"first_name": "Grace", "email": "G@example.org"},
            "date_created_gmt": "2026-10-31T23:59:59", "date_modified_gmt": "2026-11-01 00:00:01",
            "date_paid_gmt": "2026-11-01T00:00:00.250000", "date_completed_gmt": "2026-11-01T01:00:00+02:00",
        }
    )  # fmt: skip
    base = WooOrder(
        id=1, number="A-1", status="completed", currency="EUR", total=Decimal("12.345678"),
        total_refunded=Decimal(0), customer_id=7, billing_email="ada@example.org", customer_name="Ada Lovelace",
        date_created=datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC),
        date_modified=datetime(2026, 11, 1, 14, 30, 5, tzinfo=BERLIN), date_paid=None,
        date_completed=datetime(2026, 11, 2, tzinfo=UTC), source={"id": 1, "note": "ünïcode \u2028"},
    )  # fmt: skip
    other = replace(
        base, id=2**40, billing_email=None, total=Decimal("-0.5"), total_refunded=Decimal("0.50"),
        date_created=datetime(2026, 1, 1, tzinfo=UTC), date_modified=datetime(2026, 1, 1, tzinfo=UTC),
        date_completed=None, source={"id": 2, "meta": {1: "an integer key"}},
    )  # fmt: skip
    return [base, other, listed]


def _family_rows(family_id: int) -> list[FamilyRow]:
    """The second order a hidden tombstone."""
    deleted = datetime(2026, 11, 3, tzinfo=BERLIN)
    return [FamilyRow(order, family_id, i != 1, deleted if i == 1 else None) for i, order in enumerate(_orders())]


def _as_columns(shop_id: int, rows: list[FamilyRow]) -> list[dict[str, Any]]:
    """The same rows as the model's column values, for SQLAlchemy's own insert."""
    return [
        {
            **mirrored_values(row.order), "raw_data": row.order.raw, "family_id": row.family_id, "shop_id": shop_id,
            "woocommerce_order_id": row.order.id, "is_visible": row.is_visible, "deleted_at": row.deleted_at,
            "synced_at": SYNCED,
        }
        for row in rows
    ]  # fmt: skip


async def _stored(context: ServiceContext, family_id: int) -> list[tuple[Any, ...]]:
    """The rows as the driver returns them, no column type in between (PostgreSQL's JSON as its text)."""
    names = ", ".join(f"{name}::text" if name == "raw_data" else name for name in COLUMNS if name != "family_id")
    if context.database.engine.dialect.name == "sqlite":
        names = names.replace("::text", "")
    async with context.database.transaction() as session:
        connection = await session.connection()
        result = await connection.exec_driver_sql(
            f"SELECT {names} FROM cached_orders WHERE family_id = {family_id} ORDER BY woocommerce_order_id"
        )
        return [tuple(row) for row in result]


async def test_the_upsert_stores_what_the_column_types_store(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        ours, theirs = await create_family(session), await create_family(session)
    async with context.database.transaction() as session:
        await upsert_rows(session, shop.id, _family_rows(ours.id), synced_at=SYNCED)
        await session.execute(insert(_TABLE), _as_columns(shop.id, _family_rows(theirs.id)))

    assert len(await _stored(context, ours.id)) == 3
    assert await _stored(context, ours.id) == await _stored(context, theirs.id)


async def test_a_chunk_of_many_rows_stores_each_of_them(context: ServiceContext) -> None:
    """More rows than a chunk, an order for two families in one call."""
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        ours, theirs = await create_family(session), await create_family(session)
    base = _orders()[2]
    orders = [replace(base, id=n, total=Decimal(n)) for n in range(1, 131)]
    rows = [FamilyRow(order, family.id, True, None) for order in orders for family in (ours, theirs)]
    async with context.database.transaction() as session:
        await upsert_rows(session, shop.id, rows, synced_at=SYNCED)
    for family in (ours, theirs):
        stored = await _stored(context, family.id)
        assert [row[COLUMNS.index("woocommerce_order_id") - 1] for row in stored] == list(range(1, 131))
        assert [row[COLUMNS.index("total") - 1] for row in stored] == [n * 10**6 for n in range(1, 131)]


async def test_an_older_copy_does_not_overwrite_and_an_equal_one_does(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        family = await create_family(session)
    first = _orders()[0]
    older = replace(first, status="processing", date_modified=first.date_modified - timedelta(seconds=1))
    same_time = replace(first, status="on-hold")
    for version, expected in ((first, "completed"), (older, "completed"), (same_time, "on-hold")):
        async with context.database.transaction() as session:
            await upsert_rows(session, shop.id, [FamilyRow(version, family.id, True, None)], synced_at=SYNCED)
        assert [row[COLUMNS.index("status") - 1] for row in await _stored(context, family.id)] == [expected]


async def test_money_finer_than_a_millionth_is_refused_not_rounded(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        family = await create_family(session)
    finer = replace(_orders()[0], total=Decimal("12.3456789"))
    with pytest.raises(ValueError, match="more than 6 decimal places"):
        async with context.database.transaction() as session:
            await upsert_rows(session, shop.id, [FamilyRow(finer, family.id, True, None)], synced_at=SYNCED)
    assert await _stored(context, family.id) == []
