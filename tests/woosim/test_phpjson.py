"""The simulated shop's JSON is PHP's (compact, `/` and non-ASCII escaped) whichever encoder wrote it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from woosim.wordpress import phpjson


def reference(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("/", "\\/").encode("ascii")


def documents(floats: bool) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text()
    if floats:
        scalars |= st.floats(allow_nan=False, allow_infinity=False)
    keys = st.text() | st.integers()
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=20,
    )


@settings(max_examples=300, deadline=None)
@given(documents(floats=False))
def test_without_floats_the_bytes_are_the_reference_encodings(value: Any) -> None:
    assert phpjson.dumps(value) == reference(value)


@settings(max_examples=300, deadline=None)
@given(documents(floats=True))
def test_any_document_reads_back_the_same_and_is_escaped(value: Any) -> None:
    body = phpjson.dumps(value)
    assert body.isascii()
    assert b"/" not in body.replace(b"\\/", b"")
    assert body.count(b" ") <= reference(value).count(b" ")  # compact: no space but inside strings
    assert json.loads(body) == json.loads(reference(value))


def test_escapes_like_php() -> None:
    order = {"name": "Zoë", "url": "https://shop.example/a", "note": "tab\there", "amount": "12.50", "qty": 2}
    assert phpjson.dumps(order) == (
        b'{"name":"Zo\\u00eb","url":"https:\\/\\/shop.example\\/a","note":"tab\\there","amount":"12.50","qty":2}'
    )
    assert phpjson.dumps({"price": 19.99, "rate_percent": 7.25}) == b'{"price":19.99,"rate_percent":7.25}'
    assert json.loads(phpjson.dumps(6.103515625e-05)) == 6.103515625e-05
