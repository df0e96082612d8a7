"""The upsert makes its parameters itself: what it stores must be what the column types store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert

from lumina.context import ServiceContext
from lumina.models import CachedOrder
from lumina.sync.upsert import COLUMNS, upsert_rows
from tests.factories import create_family, create_shop

_TABLE: Table = CachedOrder.__table__  # type: ignore[assignment]
BERLIN = timezone(timedelta(hours=2))


def _rows(shop_id: int, family_id: int) -> list[dict[str, Any]]:
    """Values of every kind the columns take: aware times in and out of UTC, None, sub-cent money, a document
    orjson cannot encode (an integer key), a hidden tombstone."""
    base: dict[str, Any] = {
        "family_id": family_id, "shop_id": shop_id, "number": "A-1", "status": "completed", "currency": "EUR",
        "customer_id": 7, "billing_email": "ada@example.org", "customer_name": "Ada Lovelace",
    }  # fmt: skip
    return [
        {
            **base, "woocommerce_order_id": 1, "total": Decimal("12.345678"), "total_refunded": Decimal(0),
            "date_created": datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC),
            "date_modified": datetime(2026, 11, 1, 14, 30, 5, tzinfo=BERLIN), "date_paid": None,
            "date_completed": datetime(2026, 11, 2, tzinfo=UTC), "raw_data": {"id": 1, "note": "ünïcode \u2028"},
            "is_visible": True, "deleted_at": None, "synced_at": datetime(2026, 11, 3, 1, 2, 3, 4, tzinfo=UTC),
        },
        {
            **base, "woocommerce_order_id": 2**40, "billing_email": None, "total": Decimal("-0.5"),
            "total_refunded": Decimal("0.50"), "date_created": datetime(2026, 1, 1, tzinfo=UTC),
            "date_modified": datetime(2026, 1, 1, tzinfo=UTC), "date_paid": None, "date_completed": None,
            "raw_data": {"id": 2, "meta": {1: "an integer key"}}, "is_visible": False,
            "deleted_at": datetime(2026, 11, 3, tzinfo=BERLIN), "synced_at": datetime(2026, 11, 3, tzinfo=UTC),
        },
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
        await upsert_rows(session, _rows(shop.id, ours.id))
        await session.execute(insert(_TABLE), _rows(shop.id, theirs.id))

    assert len(await _stored(context, ours.id)) == 2
    assert await _stored(context, ours.id) == await _stored(context, theirs.id)


async def test_an_older_copy_does_not_overwrite_and_an_equal_one_does(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        family = await create_family(session)
    first = _rows(shop.id, family.id)[0]
    older = {**first, "status": "processing", "date_modified": first["date_modified"] - timedelta(seconds=1)}
    same_time = {**first, "status": "on-hold"}
    async with context.database.transaction() as session:
        await upsert_rows(session, [first])
    async with context.database.transaction() as session:
        await upsert_rows(session, [older])
    assert [row[COLUMNS.index("status") - 1] for row in await _stored(context, family.id)] == ["completed"]
    async with context.database.transaction() as session:
        await upsert_rows(session, [same_time])
    assert [row[COLUMNS.index("status") - 1] for row in await _stored(context, family.id)] == ["on-hold"]
