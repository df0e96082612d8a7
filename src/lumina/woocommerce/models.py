"""Typed results. Orders keep the JSON exactly as received (`source`, `raw`); unknown fields are ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import msgspec
from msgspec.structs import astuple

from ._faults import decode_json
from ._parse import ResponseShapeError, as_decimal, as_int, as_utc, plain_utc_text
from .credentials import AuthMode

__all__ = ["OrderPage", "OrderStamp", "RequestStats", "ShopInfo", "StampPage", "WooOrder"]


Field = Callable[[str], Any]  # a field of a JSON object by name, None when absent
_ZERO = Decimal(0)


def _required_utc(value: object, name: str) -> datetime:
    parsed = as_utc(value, name)
    if parsed is None:
        raise ResponseShapeError(f"{name} is missing")
    return parsed


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


class WooOrder(msgspec.Struct, frozen=True, gc=False):
    """One order. Money is Decimal; dates are aware UTC, read from the `*_gmt` fields.

    A frozen msgspec Struct rather than a frozen dataclass: built positionally in C, 0.1 µs against 1.6 (3.2 with
    keywords), for every order of every page a sync reads. Not tracked by the collector: it refers to no object
    that refers back to it. Compared and shown without `source` and `gmt_texts`, as the dataclass was.
    """

    # The fields the parser needs; `OrderQuery.fields` is widened by these so a trimmed listing still parses.
    REQUIRED_FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "number", "status", "currency", "total", "refunds", "customer_id", "billing",
        "date_created_gmt", "date_modified_gmt", "date_paid_gmt", "date_completed_gmt",
    )  # fmt: skip

    id: int
    number: str
    status: str
    currency: str
    total: Decimal
    total_refunded: Decimal  # sum of the refunds, positive
    customer_id: int  # 0 for a guest
    billing_email: str | None  # lower-cased; None when the order has none
    customer_name: str
    date_created: datetime
    date_modified: datetime
    date_paid: datetime | None
    date_completed: datetime | None
    # The order's JSON as received: the decoded object, or (an order of a listing page) its own text within the
    # page, which the mirror stores without encoding it again (`_listing`).
    source: dict[str, Any] | str
    # The four dates (created, modified, paid, completed) as the shop wrote them when in WooCommerce's own form
    # ("2026-08-11T14:40:41", UTC), otherwise None: the mirror stores SQLite's text of a date made from them,
    # about a tenth of formatting the datetime again (`lumina.sync.upsert`).
    gmt_texts: tuple[str | None, ...] = ()

    def _compared(self) -> tuple[Any, ...]:
        return astuple(self)[:_SOURCE]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WooOrder) and self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        fields = zip(self.__struct_fields__, self._compared(), strict=False)  # up to `source`
        shown = ", ".join(f"{name}={value!r}" for name, value in fields)
        return f"WooOrder({shown})"

    @property
    def raw(self) -> dict[str, Any]:
        """The order's JSON object, exactly as received (decoded again on each call when kept as text)."""
        return self.source if isinstance(self.source, dict) else decode_json(self.source.encode())

    @classmethod
    def from_json(cls, data: object) -> WooOrder:
        """Parse one order object; raises ResponseShapeError when a field the sync relies on is unusable."""
        if not isinstance(data, dict):
            raise ResponseShapeError(f"an order is not a JSON object: {type(data).__name__}")
        refunds: list[Any] = data["refunds"] if isinstance(data.get("refunds"), list) else []
        refund_totals = [r.get("total") for r in refunds if isinstance(r, dict)]
        billing, shipping = _object(data, "billing").get, _object(data, "shipping").get
        return cls.from_fields(data.get, billing, shipping, refund_totals, data)

    @classmethod
    def from_fields(
        cls, get: Field, billing: Field, shipping: Field, refund_totals: list[Any], source: dict[str, Any] | str
    ) -> WooOrder:
        """Parse the fields of one order, however they were decoded: the order's own, each address's, and each
        refund's `total`. Raises ResponseShapeError as `from_json` does."""
        order_id = as_int(get("id"), "id")
        email = _text(billing("email")).lower() or None
        name = f"{_text(billing('first_name'))} {_text(billing('last_name'))}".strip()
        if not name:
            name = f"{_text(shipping('first_name'))} {_text(shipping('last_name'))}".strip()
        number = get("number")
        created, modified = get("date_created_gmt"), get("date_modified_gmt")
        paid, completed = get("date_paid_gmt"), get("date_completed_gmt")
        return cls(  # positionally, in the fields' order: keywords cost as much again
            order_id,
            str(number) if number not in (None, "") else str(order_id),
            _text(get("status")),
            _text(get("currency")).upper(),
            as_decimal(get("total"), "total"),
            sum((abs(as_decimal(total, "refunds.total")) for total in refund_totals), _ZERO)
            if refund_totals
            else _ZERO,
            as_int(get("customer_id") or 0, "customer_id"),
            email,
            name,
            _required_utc(created, "date_created_gmt"),
            _required_utc(modified, "date_modified_gmt"),
            as_utc(paid, "date_paid_gmt"),
            as_utc(completed, "date_completed_gmt"),
            source,
            tuple(map(plain_utc_text, (created, modified, paid, completed))),
        )


_SOURCE = WooOrder.__struct_fields__.index("source")  # the fields before it are those compared


@dataclass(frozen=True, slots=True)
class OrderStamp:
    """What a cheap reconciliation listing returns per order: id, modification time, status, and any
    extra small fields asked for (in `fields`, as received)."""

    id: int
    date_modified: datetime
    status: str
    fields: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: object) -> OrderStamp:
        if not isinstance(data, dict):
            raise ResponseShapeError(f"an order is not a JSON object: {type(data).__name__}")
        return cls(
            id=as_int(data.get("id"), "id"),
            date_modified=_required_utc(data.get("date_modified_gmt"), "date_modified_gmt"),
            status=_text(data.get("status")),
            fields=data,
        )


@dataclass(frozen=True, slots=True)
class _PageInfo:
    page: int
    per_page: int
    total: int | None  # X-WP-Total; None when the page is empty (an empty page reports 0) or the header is gone
    total_pages: int | None
    shop_time: datetime | None  # the shop's clock (Date header), aware UTC


@dataclass(frozen=True, slots=True)
class OrderPage(_PageInfo):
    """One page of orders; iterating it iterates the orders."""

    orders: list[WooOrder] = field(default_factory=list)

    def ids(self) -> list[int]:
        return [o.id for o in self.orders]

    def __iter__(self) -> Iterator[WooOrder]:
        return iter(self.orders)

    def __len__(self) -> int:
        return len(self.orders)


@dataclass(frozen=True, slots=True)
class StampPage(_PageInfo):
    """One page of order stamps; iterating it iterates the stamps."""

    stamps: list[OrderStamp] = field(default_factory=list)

    def ids(self) -> list[int]:
        return [s.id for s in self.stamps]

    def __iter__(self) -> Iterator[OrderStamp]:
        return iter(self.stamps)

    def __len__(self) -> int:
        return len(self.stamps)


@dataclass(frozen=True, slots=True)
class RequestStats:
    """Cumulative counters of one client: HTTP requests sent (retries included), retries, pages read,
    response bytes, and seconds spent waiting between retries. Each request ends one way: `answered` (a 2xx with
    JSON), `rate_limited` (a 429), `failed` (any other fault not tried again), or retried (the rest)."""

    requests: int = 0
    retries: int = 0
    answered: int = 0
    rate_limited: int = 0
    failed: int = 0
    pages: int = 0
    bytes_received: int = 0
    retry_wait_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ShopInfo:
    """What the connection check learned about a shop."""

    base_url: str
    auth_mode: AuthMode  # the concrete mode used (never AUTO)
    wc_version: str | None  # WooCommerce version that last saved an order; None when unknown
    site_name: str | None
    home_url: str | None  # WordPress' home URL; OAuth signatures are made for this one
    timezone: str | None  # "America/New_York", or "UTC-5" when the shop has only an offset
    supports_modified_after: bool  # WooCommerce 5.8+
    supports_dates_are_gmt: bool  # WooCommerce 5.4+
    order_statuses: tuple[str, ...]  # statuses an order may be set to, plugin statuses included
    listable_statuses: tuple[str, ...]  # statuses a listing can filter on, "trash" included, "any" not
    can_write: bool  # the key may change orders
    shop_time: datetime | None
    warnings: tuple[str, ...] = ()  # problems worth telling the operator that do not stop a sync


@dataclass(frozen=True, slots=True)
class WooWebhook:
    """A webhook registered on the shop (its secret is write-only: the shop never shows it)."""

    id: int
    name: str
    topic: str
    status: str  # "active", "paused" or "disabled" (the shop disables one after failed deliveries)
    delivery_url: str

    @classmethod
    def from_json(cls, data: object) -> WooWebhook:
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ResponseShapeError("a webhook is a JSON object with an integer id")
        return cls(
            id=data["id"],
            name=str(data.get("name") or ""),
            topic=str(data.get("topic") or ""),
            status=str(data.get("status") or ""),
            delivery_url=str(data.get("delivery_url") or ""),
        )
