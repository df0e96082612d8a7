"""The writer: idempotent, never older over newer, routed by scope, tombstones instead of deletions."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import CachedOrder
from lumina.sync.routing import Route
from lumina.sync.writer import StaleGuard, write_routed, write_shop_orders
from lumina.woocommerce import WooOrder
from tests.factories import create_family, create_shop, link_family

BASE = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def order(order_id: int, *, modified: int = 0, status: str = "processing", customer: int = 7, **extra: Any) -> WooOrder:
    data: dict[str, Any] = {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "currency": "EUR",
        "total": extra.pop("total", "12.50"),
        "customer_id": customer,
        "billing": {"first_name": "Ada", "last_name": "L", "email": extra.pop("email", "ada@example.org")},
        "refunds": [],
        "date_created_gmt": extra.pop("created", (BASE - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")),
        "date_modified_gmt": (BASE + timedelta(seconds=modified)).strftime("%Y-%m-%dT%H:%M:%S"),
        "date_paid_gmt": None,
        "date_completed_gmt": None,
        **extra,
    }
    return WooOrder.from_json(copy.deepcopy(data))


async def _setup(context: ServiceContext, scopes: list[dict[str, Any] | None]) -> tuple[int, list[int]]:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box)
        families = []
        for scope in scopes:
            family = await create_family(session)
            await link_family(session, family, shop, **(scope or {}))
            families.append(family.id)
    return shop.id, families


async def _rows(context: ServiceContext) -> dict[tuple[int, int], CachedOrder]:
    async with context.database.transaction() as session:
        rows = await session.scalars(select(CachedOrder))
        return {(r.family_id, r.woocommerce_order_id): r for r in rows}


async def test_writing_twice_changes_nothing_and_counts_unchanged(context: ServiceContext) -> None:
    shop_id, (family,) = await _setup(context, [None])
    batch = [order(1), order(2), order(2, modified=5, status="completed")]
    async with context.database.transaction() as session:
        first = await write_shop_orders(session, shop_id, batch, retention_cutoff=None)
    async with context.database.transaction() as session:
        again = await write_shop_orders(session, shop_id, batch, retention_cutoff=None)

    assert (first.processed, first.created, first.unchanged) == (2, 2, 0)
    assert (again.processed, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    rows = await _rows(context)
    assert len(rows) == 2
    assert rows[(family, 2)].status == "completed"


async def test_an_older_copy_never_overwrites_a_newer_one_but_an_equal_one_does(context: ServiceContext) -> None:
    shop_id, (family,) = await _setup(context, [None])
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(1, modified=10, status="completed")], retention_cutoff=None)
    async with context.database.transaction() as session:
        stale = await write_shop_orders(session, shop_id, [order(1, modified=3)], retention_cutoff=None)
    assert (stale.updated, stale.unchanged) == (0, 1)
    assert (await _rows(context))[(family, 1)].status == "completed"

    silently_edited = order(1, modified=10, status="completed", total="99.00")
    async with context.database.transaction() as session:
        counts = await write_shop_orders(session, shop_id, [silently_edited], retention_cutoff=None)
    assert counts.updated == 1
    assert str((await _rows(context))[(family, 1)].total) == "99.000000"


async def test_trash_hides_a_row_as_a_tombstone_and_a_restore_shows_it_again(context: ServiceContext) -> None:
    shop_id, (family,) = await _setup(context, [None])
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(1)], retention_cutoff=None)
        trashed = await write_shop_orders(
            session, shop_id, [order(1, modified=1, status="trash")], retention_cutoff=None
        )
    row = (await _rows(context))[(family, 1)]
    assert trashed.deleted == 1
    assert (row.is_visible, row.deleted_at is not None) == (False, True)

    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(1, modified=2, status="on-hold")], retention_cutoff=None)
    row = (await _rows(context))[(family, 1)]
    assert (row.is_visible, row.deleted_at) == (True, None)


async def test_orders_reach_only_the_families_whose_scope_covers_them(context: ServiceContext) -> None:
    shop_id, (everyone, by_id, by_email) = await _setup(
        context, [None, {"customer_ids": [7]}, {"billing_emails": ["bob@example.org"]}]
    )
    batch = [order(1, customer=7), order(2, customer=0, email="BOB@example.org"), order(3, customer=9)]
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, batch, retention_cutoff=None)
    rows = await _rows(context)
    assert set(rows) == {(everyone, 1), (everyone, 2), (everyone, 3), (by_id, 1), (by_email, 2)}

    # Order 1 changes hands: it leaves the scoped family's view (a tombstone), the others keep it.
    async with context.database.transaction() as session:
        await write_shop_orders(session, shop_id, [order(1, modified=4, customer=9)], retention_cutoff=None)
    rows = await _rows(context)
    assert rows[(by_id, 1)].is_visible is False
    assert rows[(by_id, 1)].deleted_at is not None
    assert rows[(everyone, 1)].is_visible is True


async def test_a_stale_copy_written_after_a_scope_departure_does_not_bring_the_order_back(
    context: ServiceContext,
) -> None:
    """Parallel slices may write version 1 after version 2; version 2 left the family's scope and wrote no row."""
    shop_id, (scoped,) = await _setup(context, [{"customer_ids": [7]}])
    routes = [Route(scoped, customer_ids=frozenset({7}))]
    guard = StaleGuard()
    guard.start(BASE)
    async with context.database.transaction() as session:
        await write_routed(
            session, shop_id, routes, [order(1, modified=9, customer=9)], retention_cutoff=None, guard=guard
        )
        late = await write_routed(
            session, shop_id, routes, [order(1, modified=2, customer=7)], retention_cutoff=None, guard=guard
        )
    assert late.created == 0
    assert await _rows(context) == {}


async def test_orders_created_before_the_retention_cutoff_are_not_written(context: ServiceContext) -> None:
    shop_id, _families = await _setup(context, [None])
    old = order(1, created=(BASE - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%S"))
    async with context.database.transaction() as session:
        counts = await write_shop_orders(session, shop_id, [old, order(2)], retention_cutoff=BASE - timedelta(days=90))
    assert (counts.processed, counts.created, counts.skipped) == (2, 1, 1)
    assert [key[1] for key in await _rows(context)] == [2]
