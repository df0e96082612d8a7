"""Reading a family's orders through the service: scoping, filtering, sorting, paging and statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lumina.db import Database
from lumina.errors import BadRequestError, NotFoundError
from lumina.models import ShopSyncState
from lumina.orders.params import ORDER_BY_COLUMNS
from lumina.orders.service import ListQuery, OrderReader, parse_statuses
from tests.lumina.orders.conftest import Household

VISIBLE = 10  # orders of `mixed_orders()` a family sees


async def read_list(database: Database, family_id: int, query: ListQuery) -> tuple[list[dict[str, object]], int]:
    async with database.transaction() as session:
        result = await OrderReader(session, family_id).list_orders(query)
    return [order.model_dump(mode="json") for order in result.orders], result.count


async def test_a_family_lists_only_its_own_visible_orders(
    database: Database, household: Household, neighbours: Household
) -> None:
    orders, count = await read_list(database, household.family.id, ListQuery(limit=200))
    assert count == VISIBLE == len(orders)
    names = {order["customer_name"] for order in orders}
    assert "Neighbour" not in names
    assert not names & {"In The Trash", "Unfinished Checkout", "Tombstone"}
    assert {order["shop_id"] for order in orders} == {household.shop.id}


async def test_listed_orders_have_the_seed_columns_as_strings_and_utc_times(
    database: Database, household: Household
) -> None:
    orders, _ = await read_list(
        database, household.family.id, ListQuery(statuses=("completed",), order_by="id", descending=False)
    )
    first = orders[0]
    assert set(first) == {
        "id", "woocommerce_order_id", "number", "status", "currency", "total", "total_refunded", "customer_name",
        "billing_email", "date_created", "date_modified", "date_paid", "date_completed", "synced_at", "shop_id",
    }  # fmt: skip
    assert "raw_data" not in first
    assert first["total"] == "100.00"
    assert first["total_refunded"] == "30.00"
    assert first["date_created"] == "2026-03-01T16:00:00Z"
    assert first["date_paid"] is None
    assert str(first["synced_at"]).endswith("Z")
    assert orders[1]["total"] == "12.345"


async def test_the_status_filter_counts_all_matches_not_just_the_page(database: Database, household: Household) -> None:
    orders, count = await read_list(database, household.family.id, ListQuery(statuses=("processing",), limit=1))
    assert count == 2
    assert [order["status"] for order in orders] == ["processing"]
    orders, count = await read_list(
        database, household.family.id, ListQuery(statuses=("processing", "on-hold"), limit=200)
    )
    assert count == 3
    assert sorted(str(order["status"]) for order in orders) == ["on-hold", "processing", "processing"]


@pytest.mark.parametrize("column", ORDER_BY_COLUMNS)
@pytest.mark.parametrize("descending", [False, True])
async def test_every_sort_column_sorts_both_ways(
    database: Database, household: Household, column: str, descending: bool
) -> None:
    orders, _ = await read_list(database, household.family.id, ListQuery(order_by=column, descending=descending))

    def key(order: dict[str, object]) -> object:
        value = order[column]
        return Decimal(str(value)) if column == "total" else value

    assert [key(o) for o in orders] == sorted((key(o) for o in orders), reverse=descending)  # type: ignore[type-var]


async def test_pages_follow_each_other_without_gaps_or_repeats(database: Database, household: Household) -> None:
    everything, _ = await read_list(database, household.family.id, ListQuery(order_by="status", limit=200))
    paged: list[dict[str, object]] = []
    for offset in range(0, VISIBLE, 3):
        page, count = await read_list(
            database, household.family.id, ListQuery(order_by="status", limit=3, offset=offset)
        )
        assert count == VISIBLE
        paged.extend(page)
    assert [o["id"] for o in paged] == [o["id"] for o in everything]
    beyond, count = await read_list(database, household.family.id, ListQuery(offset=500))
    assert (beyond, count) == ([], VISIBLE)


@pytest.mark.parametrize("raw", ["shipped", "processing,bogus", "trash", "on_hold", "'; DROP TABLE cached_orders;--"])
def test_unknown_statuses_are_refused_naming_the_allowed_ones(raw: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_statuses(raw)
    assert "allowed: pending, processing, on-hold, completed, cancelled, refunded, failed" in caught.value.message
    assert caught.value.details["fields"][0]["field"] == "status"


def test_status_lists_are_trimmed_and_deduplicated() -> None:
    assert parse_statuses(None) == ()
    assert parse_statuses(" ") == ()
    assert parse_statuses("processing, on-hold,processing") == ("processing", "on-hold")


async def test_one_order_comes_with_its_raw_woocommerce_data(database: Database, household: Household) -> None:
    order = household.orders[1]
    async with database.transaction() as session:
        detail = await OrderReader(session, household.family.id).get_order(order.id)
    assert detail.raw_data == order.raw_data
    assert detail.woocommerce_order_id == order.woocommerce_order_id


async def test_another_familys_order_is_not_found_exactly_like_a_missing_one(
    database: Database, household: Household, neighbours: Household
) -> None:
    hidden = [order.id for order in household.orders if not order.is_visible]
    async with database.transaction() as session:
        reader = OrderReader(session, neighbours.family.id)
        messages = set()
        for order_id in [*household.order_ids, 10**9]:
            with pytest.raises(NotFoundError) as caught:
                await reader.get_order(order_id)
            messages.add(caught.value.message)
        for order_id in hidden:
            with pytest.raises(NotFoundError):
                await OrderReader(session, household.family.id).get_order(order_id)
    assert len(messages) == 1


async def test_stats_count_every_status_and_revenue_of_paid_orders_per_currency(
    database: Database, household: Household, neighbours: Household
) -> None:
    async with database.transaction() as session:
        stats = (await OrderReader(session, household.family.id).stats()).model_dump(mode="json")
    assert stats == {
        "total_orders": VISIBLE,
        "pending": 1,
        "processing": 2,
        "on_hold": 1,
        "completed": 2,
        "cancelled": 1,
        "refunded": 1,
        "failed": 1,
        "other": 1,
        # processing 10.00 + 20.50, on-hold 7.25, completed 100.00 - 30.00 refunded
        "total_revenue": "107.75",
        "currency": "USD",
        "revenue_by_currency": {"EUR": "12.345", "USD": "107.75"},
        "last_sync": None,
    }


async def test_stats_of_a_family_without_orders_are_zeros_not_nulls(
    database: Database, household: Household, neighbours: Household
) -> None:
    async with database.transaction() as session:
        from tests.factories import create_family

        empty = await create_family(session)
        stats = (await OrderReader(session, empty.id).stats()).model_dump(mode="json")
    assert stats["total_orders"] == 0
    for key in ("pending", "processing", "on_hold", "completed", "cancelled", "refunded", "failed", "other"):
        assert stats[key] == 0
    assert stats["total_revenue"] == "0.00"
    assert stats["revenue_by_currency"] == {}
    assert stats["currency"] is None
    assert stats["last_sync"] is None


async def test_last_sync_is_the_latest_success_of_the_familys_own_shops(
    database: Database, household: Household, neighbours: Household
) -> None:
    mine = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    async with database.transaction() as session:
        session.add(ShopSyncState(shop_id=household.shop.id, last_success_at=mine))
        session.add(ShopSyncState(shop_id=neighbours.shop.id, last_success_at=mine + timedelta(days=1)))
    async with database.transaction() as session:
        stats = await OrderReader(session, household.family.id).stats()
    assert stats.model_dump(mode="json")["last_sync"] == "2026-03-02T08:30:00Z"
