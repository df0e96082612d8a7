"""A listing read in one pass (each order's own text kept) gives what decoding it whole and parsing gives."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from lumina.woocommerce import WooOrder
from lumina.woocommerce._listing import read_items, read_orders

from .recordings import recording, recording_names


def _general(content: bytes) -> list[WooOrder] | str:
    return read_items(WooOrder.from_json, content)


def _order_listings() -> list[str]:
    names = []
    for name in recording_names("orders-"):
        body = recording(name)["response"]["body_json"]
        if isinstance(body, list) and body and all(isinstance(o, dict) and "date_created_gmt" in o for o in body):
            names.append(name)
    return names


@pytest.mark.parametrize("name", _order_listings())
def test_a_recorded_listing_reads_as_decoding_it_whole_does(name: str) -> None:
    content = recording(name)["response"]["body_text"].encode()
    fast, general = read_orders(content), _general(content)

    assert isinstance(fast, list)
    assert isinstance(general, list)
    assert fast == general  # every parsed field (the JSON itself is not compared by ==)
    for quick, whole in zip(fast, general, strict=True):
        assert isinstance(quick.source, str)  # the order's own text, not encoded again
        assert quick.raw == whole.raw == orjson.loads(quick.source)


def _page(*orders: Any) -> bytes:
    return json.dumps(list(orders)).encode()


def _order() -> dict[str, Any]:
    listing: list[dict[str, Any]] = recording("orders-list-page1-per10")["response"]["body_json"]
    return copy.deepcopy(listing[0])


def _with(**fields: Any) -> dict[str, Any]:
    return {**_order(), **fields}


@pytest.mark.parametrize(
    "content",
    [
        _page(_order(), 7),  # an item that is not an object
        _page(_with(id="abc")),  # an unusable field: the general parser's message
        _page(_with(total=True)),
        _page(_with(date_modified_gmt=None)),
        _page(_with(billing=[])),  # PHP's empty object as an array: no name, no email
        _page(_with(billing={"first_name": 1, "email": ["x"]}, shipping={"first_name": "Ana", "last_name": "Lima"})),
        _page(_with(refunds=[{"total": "-1.5"}, "junk", {"total": "-0.5"}])),
        _page(_with(refunds={"total": "-1"}, number=None)),
        json.dumps({"code": "oops"}).encode(),  # not an array
        b"\xef\xbb\xbf" + _page(_order()),  # a byte order mark, read by the standard library
        _page(_with(note="\ud800 lone surrogate")),
        _page(_order()).replace(b'"status"', b'"status": "x", "status"'),  # a repeated key: the last one counts
    ],
)
def test_pages_off_the_fast_path_read_as_before(content: bytes) -> None:
    fast, general = read_orders(content), _general(content)
    assert fast == general
    if isinstance(fast, list) and isinstance(general, list):
        assert [o.raw for o in fast] == [o.raw for o in general]


def _refusal(read: Callable[[bytes], object], content: bytes) -> str:
    try:
        read(content)
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "read"


@pytest.mark.parametrize("content", [_page(_order()).replace(b'"status"', b'"st\xffatus"'), b"<html>", b"[{]"])
def test_text_that_is_not_utf8_or_json_is_refused_as_before(content: bytes) -> None:
    assert _refusal(read_orders, content) == _refusal(_general, content) != "read"
