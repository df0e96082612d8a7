"""The simulated shop as a Python object: data, determinism, the control interface, the clock."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.woosim.conftest import NOW, make_shop
from tests.woosim.recordings import BEFORE_DATASET, HOME
from woosim import ShopClock, ShopConfig, SimulatedShop
from woosim.data.model import ANY_STATUSES
from woosim.store.order_store import OrderQuery

MONEY = re.compile(r"^-?\d+\.\d{2}$")


def test_same_seed_same_orders_different_seed_different() -> None:
    with make_shop() as one, make_shop() as two, make_shop(seed=8) as other:
        assert one.orders_snapshot() == two.orders_snapshot()
        assert one.orders_snapshot() != other.orders_snapshot()


def test_pregenerated_documents_serve_the_same_orders_and_survive_changes() -> None:
    with make_shop() as lazy, make_shop() as eager:
        eager.store.materialize_all()
        assert eager.orders_snapshot() == lazy.orders_snapshot()
        some = next(iter(lazy.orders_snapshot(include_trash=False, include_drafts=False)))
        for shop in (lazy, eager):
            shop.update_order(some, status="completed", customer_note="left at the door")
        assert eager.orders_snapshot() == lazy.orders_snapshot()


def test_generated_data_has_the_shapes_a_sync_must_survive() -> None:
    with make_shop(order_count=3000, days=90) as shop:
        orders = list(shop.orders_snapshot().values())
    statuses = {o["status"] for o in orders}
    assert statuses >= {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
                        "checkout-draft", "trash"}  # fmt: skip
    assert {o["currency"] for o in orders} == {"USD", "EUR"}
    assert any(o["customer_id"] == 0 for o in orders)
    assert any(o["customer_id"] > 0 for o in orders)
    assert any(o["coupon_lines"] for o in orders)
    assert any(o["fee_lines"] for o in orders)
    assert any(o["tax_lines"] for o in orders)
    assert any(not o["billing"]["email"].isascii() or not o["billing"]["first_name"].isascii() for o in orders)
    refunds = [r for o in orders for r in o["refunds"]]
    assert refunds
    assert all(r["total"].startswith("-") and MONEY.match(r["total"]) for r in refunds)
    ids = sorted(o["id"] for o in orders)
    assert ids != list(range(ids[0], ids[0] + len(ids)))  # gaps: refunds share the sequence
    assert not {r["id"] for r in refunds} & set(ids)
    for order in orders:
        for name in ("total", "total_tax", "discount_total", "shipping_total", "cart_tax"):
            assert MONEY.match(order[name]), (name, order[name])
        for item in order["line_items"]:
            assert isinstance(item["price"], int | float)
        lines = [*order["line_items"], *order["shipping_lines"], *order["fee_lines"]]
        total = sum((Decimal(line["total"]) for line in lines), Decimal(0))
        assert total + Decimal(order["total_tax"]) == Decimal(order["total"])
        assert (order["date_paid"] is None) == (order["date_paid_gmt"] is None)
        assert order["date_created_gmt"] <= order["date_modified_gmt"]
    backdated = [o for o in orders if o["created_via"] == "admin"]
    assert backdated, "backdated admin orders have high ids and old dates"
    shared: dict[str, list[int]] = {}
    for order in orders:
        shared.setdefault(order["date_modified_gmt"], []).append(order["id"])
    assert max(len(v) for v in shared.values()) >= 5  # bulk actions: many orders in one second


def test_no_pile_of_orders_at_the_moment_the_shop_was_made() -> None:
    """Edits that would fall after "now" happened earlier instead: none is stamped with the last second."""
    with make_shop(order_count=20000, days=60) as shop:
        orders = shop.orders_snapshot(fields=("id", "date_modified_gmt")).values()
    per_second: dict[str, int] = {}
    for order in orders:
        per_second[order["date_modified_gmt"]] = per_second.get(order["date_modified_gmt"], 0) + 1
    assert max(per_second.values()) <= 20  # the largest bulk action


def test_recorded_orders_render_exactly_as_recorded() -> None:
    recorded = json.loads(BEFORE_DATASET.read_text(encoding="utf-8"))
    with SimulatedShop.from_dataset(str(BEFORE_DATASET), home_url=HOME) as shop:
        snapshot = shop.orders_snapshot()
    for order in recorded["orders"] + recorded["trashed_orders"]:
        assert snapshot[order["id"]] == order


def test_bulk_update_gives_one_second_and_silent_edits_keep_date_modified(shop: SimulatedShop) -> None:
    ids = shop.order_ids()[:30]
    shop.clock.advance(77)
    updated = shop.bulk_update(ids, status="completed")
    assert {o["date_modified_gmt"] for o in updated} == {shop.clock.now().strftime("%Y-%m-%dT%H:%M:%S")}
    before = shop.get_order(ids[0])
    shop.clock.advance(500)
    after = shop.edit_silently(ids[0], billing={"address_1": "1 Quiet Road"}, total="1.00")
    assert after["billing"]["address_1"] == "1 Quiet Road"
    assert after["date_modified_gmt"] == before["date_modified_gmt"]


def test_control_errors(shop: SimulatedShop) -> None:
    with pytest.raises(KeyError):
        shop.update_order(999_999, status="completed")
    with pytest.raises(ValueError, match="unknown order status"):
        shop.update_order(shop.order_ids()[0], status="shipped")
    order_id = shop.order_ids()[0]
    shop.trash_order(order_id)
    with pytest.raises(ValueError, match="already in the trash"):
        shop.trash_order(order_id)
    shop.delete_order(order_id)
    with pytest.raises(KeyError):
        shop.get_order(order_id)


def test_created_orders_get_new_ids_and_the_clock_second(shop: SimulatedShop) -> None:
    highest = max(shop.order_ids(("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
                                  "checkout-draft", "trash")))  # fmt: skip
    order = shop.create_order(status="completed", currency="EUR")
    assert order["id"] > highest
    assert order["currency"] == "EUR"
    assert order["currency_symbol"] == "\u20ac"
    now = shop.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    assert order["date_created_gmt"] == order["date_completed_gmt"] == now
    assert shop.now() == datetime.fromisoformat(now).replace(tzinfo=UTC)


def test_clock_runs_with_an_offset_and_freezes() -> None:
    clock = ShopClock()
    start = clock.now()
    assert start.tzinfo is UTC
    clock.advance(3600)
    assert clock.now() - start >= timedelta(hours=1)
    frozen = clock.freeze(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == frozen
    clock.advance(5)
    assert clock.now() == frozen + timedelta(seconds=5)
    clock.unfreeze()
    assert clock.now() >= frozen + timedelta(seconds=5)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.freeze(datetime(2026, 1, 1))


def test_local_dates_follow_the_shop_timezone() -> None:
    with make_shop(timezone="Europe/Berlin") as shop:
        order = shop.get_order(shop.order_ids()[0])
    gmt = datetime.fromisoformat(order["date_created_gmt"]).replace(tzinfo=UTC)
    local = gmt.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    assert order["date_created"] == local.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_large_shop_builds_and_pages_deep() -> None:
    clock = ShopClock()
    clock.freeze(NOW)
    with SimulatedShop(ShopConfig(seed=3, order_count=100_000, days=120, end=NOW), clock=clock) as shop:
        assert shop.order_count == 100_000
        total, _first = shop.store.query(OrderQuery(ANY_STATUSES, orderby="modified", limit=1))
        assert total > 90_000
        _same, rows = shop.store.query(OrderQuery(ANY_STATUSES, orderby="modified", offset=total - 60, limit=100))
        assert len(rows) == 60
        assert [r.modified for r in rows] == sorted((r.modified for r in rows), reverse=True)
        order = shop.get_order(rows[0].id)
        assert order["id"] == rows[0].id


def test_snapshot_of_selected_fields(shop: SimulatedShop) -> None:
    full = shop.orders_snapshot(include_trash=False, include_drafts=False)
    slim = shop.orders_snapshot(include_trash=False, include_drafts=False, fields=("id", "date_modified_gmt"))
    assert slim == {i: {"id": o["id"], "date_modified_gmt": o["date_modified_gmt"]} for i, o in full.items()}
    assert all(o["status"] not in ("trash", "checkout-draft") for o in full.values())
    totals = shop.orders_snapshot(fields=["total"])
    assert all(list(o) == ["total"] for o in totals.values())
    some = next(iter(full.values()))
    some["billing"]["city"] = "changed by the caller"
    assert shop.get_order(some["id"])["billing"]["city"] != "changed by the caller"
