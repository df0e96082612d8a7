"""Orders parsed from the real store's JSON: Decimal money, UTC dates from *_gmt, raw kept, unknown fields ignored."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lumina.woocommerce import OrderStamp, WooOrder
from lumina.woocommerce._parse import ResponseShapeError, as_utc, http_date

from .recordings import recording


def _body(name: str) -> Any:
    return recording(name)["response"]["body_json"]


def test_an_order_with_a_refund_and_a_coupon() -> None:
    raw = _body("order-single-refunded-coupon")
    order = WooOrder.from_json(raw)

    assert order.id == 64
    assert order.number == "64"
    assert order.status == "completed"
    assert order.currency == "USD"
    assert order.total == Decimal("40.44")
    assert order.total_refunded == Decimal("8.09")
    assert order.customer_id == 23
    assert order.customer_name == "Olivia Patel"
    # *_gmt are UTC: the local date_created (10:40:41 EDT) is four hours behind.
    assert order.date_created == datetime(2026, 8, 11, 14, 40, 41, tzinfo=UTC)
    assert order.date_modified == datetime(2026, 8, 21, 23, 44, 52, tzinfo=UTC)
    assert order.date_paid == datetime(2026, 8, 12, 15, 15, 7, tzinfo=UTC)
    assert order.date_completed == datetime(2026, 8, 14, 0, 21, 14, tzinfo=UTC)
    assert order.raw is raw  # exactly as received


def test_every_recorded_order_parses() -> None:
    dataset = recording("dataset-all-orders-after-mutations")
    orders = [WooOrder.from_json(o) for key in ("orders", "trashed_orders") for o in dataset[key]]

    assert len(orders) >= 330
    assert all(o.date_modified.tzinfo is UTC and o.total >= 0 for o in orders)
    assert {o.currency for o in orders} == {"USD", "EUR"}
    assert any(o.status == "trash" for o in orders)
    assert any(o.date_paid is None for o in orders)
    assert all(o.billing_email is None or o.billing_email == o.billing_email.lower() for o in orders)


def test_unknown_fields_are_ignored_and_missing_optional_ones_tolerated() -> None:
    raw = copy.deepcopy(_body("order-single-eur"))
    raw["a_field_from_the_future"] = {"x": 1}
    for optional in ("refunds", "shipping", "date_paid_gmt", "date_completed_gmt", "number"):
        raw.pop(optional, None)
    raw["billing"]["email"] = "  Someone@Example.COM "

    order = WooOrder.from_json(raw)

    assert order.currency == "EUR"
    assert order.number == str(order.id)
    assert order.total_refunded == Decimal(0)
    assert order.billing_email == "someone@example.com"
    assert order.date_paid is None
    assert order.date_completed is None
    assert order.raw["a_field_from_the_future"] == {"x": 1}


def test_a_guest_without_email_or_name() -> None:
    raw = copy.deepcopy(_body("order-single-eur"))
    raw["billing"] = {"email": None, "first_name": "", "last_name": ""}
    raw["shipping"] = {"first_name": "Ana", "last_name": "Lima"}
    raw["customer_id"] = 0

    order = WooOrder.from_json(raw)

    assert order.billing_email is None
    assert order.customer_id == 0
    assert order.customer_name == "Ana Lima"


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", None), ("id", "abc"), ("total", "12,50"), ("total", {"amount": 1}), ("total", "1e30"),
     ("total", "-9223372036855"), ("date_modified_gmt", None), ("date_created_gmt", "yesterday")],
)  # fmt: skip
def test_an_unusable_field_is_an_error_not_a_guess(field: str, value: object) -> None:
    raw = copy.deepcopy(_body("order-single-eur"))
    raw[field] = value
    with pytest.raises(ResponseShapeError, match=field):
        WooOrder.from_json(raw)


def test_stamps_from_a_sparse_listing() -> None:
    items = _body("orders-fields-id-modified")
    stamps = [OrderStamp.from_json(item) for item in items]
    assert len(stamps) == len(items) > 0
    assert all(s.date_modified.tzinfo is UTC for s in stamps)


def test_the_shop_clock_comes_from_the_date_header() -> None:
    assert http_date("Tue, 24 Nov 2026 06:37:34 GMT") == datetime(2026, 11, 24, 6, 37, 34, tzinfo=UTC)
    assert http_date("garbage") is None
    assert http_date(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-11T14:40:41", datetime(2026, 8, 11, 14, 40, 41, tzinfo=UTC)),
        ("2026-08-11 14:40:41.5", datetime(2026, 8, 11, 14, 40, 41, 500000, tzinfo=UTC)),
        ("2026-08-11T14:40:41+02:00", datetime(2026, 8, 11, 12, 40, 41, tzinfo=UTC)),
        ("2026-08-11T14:40:41Z", datetime(2026, 8, 11, 14, 40, 41, tzinfo=UTC)),
        ("2026-08-11", datetime(2026, 8, 11, tzinfo=UTC)),  # "+00:00" is not read as its time of day
        ("2026-08-11T14", datetime(2026, 8, 11, 14, tzinfo=UTC)),
    ],
)
def test_gmt_dates_are_read_as_utc(text: str, expected: datetime) -> None:
    read = as_utc(text, "date_created_gmt")
    assert read == expected
    assert read is not None
    assert read.utcoffset() == timedelta(0)
