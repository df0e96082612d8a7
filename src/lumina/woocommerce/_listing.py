"""A listing's body read in one pass, in the worker thread that reads it: decoded, and its items parsed.

A page of orders was decoded into dicts (every line item, meta datum and address of every order: some 400 objects
an order), the parser read a dozen of its fields, and the writer encoded each whole order again for the database.
msgspec cuts the page into each order's own bytes without building anything, then decodes only the fields
`WooOrder` reads; the bytes, checked as UTF-8, are the order's JSON the mirror stores (equal as JSON to the
re-encoded text it stored before). A page this way does not take as it is (not an array, an order that is not an
object or whose fields are not what they should be, text that is not UTF-8, a value msgspec refuses) is decoded
whole and parsed as before, so it is read, refused or reported exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from ._faults import decode_json
from ._parse import ResponseShapeError
from .models import WooOrder

__all__ = ["read_items", "read_orders"]

ItemT = TypeVar("ItemT")


class _Address(msgspec.Struct):
    first_name: Any = None
    last_name: Any = None
    email: Any = None


class _Refund(msgspec.Struct):
    total: Any = None


class _OrderFields(msgspec.Struct):
    """What `WooOrder.from_fields` reads. JSON values as they come (the parser checks them, as it checks a dict's);
    the addresses and refunds must be objects, or the page is read the general way."""

    id: Any = None
    number: Any = None
    status: Any = None
    currency: Any = None
    total: Any = None
    customer_id: Any = None
    date_created_gmt: Any = None
    date_modified_gmt: Any = None
    date_paid_gmt: Any = None
    date_completed_gmt: Any = None
    billing: _Address | None = None
    shipping: _Address | None = None
    refunds: list[_Refund] | None = None


_PAGE = msgspec.json.Decoder(list[msgspec.Raw])
_ORDER = msgspec.json.Decoder(_OrderFields)
_NO_ADDRESS = _Address()


def _orders(content: bytes) -> list[WooOrder] | None:
    """The page's orders, each keeping its own text; None when the page is to be read the general way."""
    try:
        orders = []
        for raw in _PAGE.decode(content):
            found = _ORDER.decode(raw)
            billing, shipping = found.billing or _NO_ADDRESS, found.shipping or _NO_ADDRESS
            refunds = [refund.total for refund in found.refunds or ()]
            text = str(memoryview(raw), "utf-8")
            orders.append(
                WooOrder.from_fields(
                    found.__getattribute__, billing.__getattribute__, shipping.__getattribute__, refunds, text
                )
            )
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ResponseShapeError):
        return None
    return orders


def read_items(parse: Callable[[object], ItemT], content: bytes) -> list[ItemT] | str:
    """A listing's items parsed by `parse`, or what is wrong with them (the body is not an array, or an item is
    unusable). Raises ValueError when the body is not JSON at all."""
    data = decode_json(content)
    if not isinstance(data, list):
        return f"a listing is a JSON {type(data).__name__}, not an array"
    try:
        return [parse(item) for item in data]
    except ResponseShapeError as exc:
        return str(exc)


def read_orders(content: bytes) -> list[WooOrder] | str:
    """A listing of orders, as `read_items` reads it with `WooOrder.from_json`."""
    orders = _orders(content)
    return orders if orders is not None else read_items(WooOrder.from_json, content)
