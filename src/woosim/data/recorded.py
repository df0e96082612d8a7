"""The recorded store's static API bodies (index, schema, settings), served with this shop's URLs."""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any

from woosim.wordpress import phpjson

HOME = "{{HOME}}"


@functools.cache
def _text(name: str) -> str:
    raw = resources.files("woosim.data").joinpath(name).read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def load(name: str, home: str) -> Any:
    """A static body as JSON data, with the home URL put in."""
    return json.loads(_text(name).replace(HOME, home))


@functools.cache
def route_table() -> dict[str, Any]:
    """GET /wp-json/wc/v3's `routes`: every route's methods and argument schemas (home-independent use)."""
    routes: dict[str, Any] = load("wc_v3_index.json.gz", "")["routes"]
    return routes


# Listing parameters and values older WooCommerce versions did not know (they ignore unknown parameters).
_INTRODUCED: tuple[tuple[tuple[int, ...], str], ...] = (((5, 8), "modified_after"), ((5, 8), "modified_before"),
                                                        ((5, 4), "dates_are_gmt"))  # fmt: skip
_MODIFIED_ORDERBY = (4, 4)


def version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _for_version(route: str, method: str, args: dict[str, Any], version: tuple[int, ...]) -> dict[str, Any]:
    if route != "/wc/v3/orders" or method not in ("GET", "HEAD"):
        return args
    kept = {name: spec for name, spec in args.items() if all(version >= v or name != n for v, n in _INTRODUCED)}
    if version < _MODIFIED_ORDERBY and "orderby" in kept:
        orderby = dict(kept["orderby"])
        orderby["enum"] = [v for v in orderby["enum"] if v != "modified"]
        kept["orderby"] = orderby
    return kept


def endpoint_args(route: str, method: str, wc_version: str = "10.2.4") -> dict[str, dict[str, Any]]:
    """The argument schemas WordPress validates a request against (empty for an unknown route), as the given
    WooCommerce version declares them."""
    entry = route_table().get(route)
    if entry is None:
        return {}
    lookup = "GET" if method == "HEAD" else method
    for endpoint in entry["endpoints"]:
        if lookup in endpoint["methods"]:
            args: dict[str, dict[str, Any]] = endpoint.get("args", {})
            return _for_version(route, lookup, args, version_tuple(wc_version))
    return {}


@functools.lru_cache(maxsize=32)
def encoded(name: str, home: str, wc_version: str = "10.2.4") -> bytes:
    """A static body for this home URL; the orders route's arguments as `wc_version` has them."""
    data = load(name, home)
    version = version_tuple(wc_version)
    if name == "wc_v3_index.json.gz":
        entry = data["routes"]["/wc/v3/orders"]
        for endpoint in entry["endpoints"]:
            endpoint["args"] = _for_version("/wc/v3/orders", endpoint["methods"][0], endpoint["args"], version)
    elif name == "wc_v3_orders_options.json.gz":
        for endpoint in data["endpoints"]:
            endpoint["args"] = _for_version("/wc/v3/orders", endpoint["methods"][0], endpoint["args"], version)
    return phpjson.dumps(data)
