"""The recorded store's static API bodies (index, schema, settings), served with this shop's URLs."""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any

from woosim import phpjson

HOME = "{{HOME}}"


@functools.cache
def _text(name: str) -> str:
    raw = resources.files("woosim").joinpath("data", name).read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def load(name: str, home: str) -> Any:
    """A static body as JSON data, with the home URL put in."""
    return json.loads(_text(name).replace(HOME, home))


@functools.cache
def route_table() -> dict[str, Any]:
    """GET /wp-json/wc/v3's `routes`: every route's methods and argument schemas (home-independent use)."""
    routes: dict[str, Any] = load("wc_v3_index.json.gz", "")["routes"]
    return routes


def endpoint_args(route: str, method: str) -> dict[str, dict[str, Any]]:
    """The argument schemas WordPress validates a request against (empty for an unknown route)."""
    entry = route_table().get(route)
    if entry is None:
        return {}
    lookup = "GET" if method == "HEAD" else method
    for endpoint in entry["endpoints"]:
        if lookup in endpoint["methods"]:
            args: dict[str, dict[str, Any]] = endpoint.get("args", {})
            return args
    return {}


@functools.lru_cache(maxsize=32)
def encoded(name: str, home: str) -> bytes:
    return phpjson.dumps(load(name, home))
