"""Query strings as PHP reads and writes them ($_GET, parse_str, urlencode, add_query_arg).

WooCommerce signs, validates and echoes (in `Link`) the parameters PHP parsed, so the simulated shop has to
parse them the same way: `+` is a space, `a[]=x` and `a[0]=x` build arrays, a repeated plain key keeps the last
value, dots and spaces in names become underscores.
"""

from __future__ import annotations

import re
from typing import Union
from urllib.parse import quote, quote_plus, unquote_plus

PhpValue = Union[str, "PhpArray"]
PhpArray = dict[str, PhpValue]


def parse_query(raw: str) -> PhpArray:
    """PHP's parse_str: an ordered mapping of names to strings or (nested) arrays."""
    result: PhpArray = {}
    for part in raw.split("&"):
        if not part:
            continue
        name_raw, _, value_raw = part.partition("=")
        name = unquote_plus(name_raw)
        value = unquote_plus(value_raw)
        _assign(result, name, value)
    return result


def _assign(target: PhpArray, name: str, value: str) -> None:
    name = name.lstrip(" ")
    bracket = name.find("[")
    if bracket <= 0 or "]" not in name[bracket:]:
        if not name:
            return
        target[_mangle(name)] = value
        return
    base = _mangle(name[:bracket])
    keys: list[str] = []
    rest = name[bracket:]
    while rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            break
        keys.append(rest[1:end])
        rest = rest[end + 1 :]
    node = target
    path = [base, *keys]
    for depth, part in enumerate(path):
        name = str(_next_index(node)) if part == "" and depth > 0 else part
        if depth == len(path) - 1:
            node[name] = value
            return
        child = node.get(name)
        if not isinstance(child, dict):
            child = {}
            node[name] = child
        node = child


def _mangle(name: str) -> str:
    return name.replace(".", "_").replace(" ", "_")


def _next_index(node: PhpArray) -> int:
    numbers = [int(k) for k in node if k.lstrip("-").isdigit()]
    return max(numbers) + 1 if numbers else 0


def php_urlencode(text: str) -> str:
    """PHP's urlencode: everything but letters, digits and `-_.` is escaped, a space becomes `+`."""
    return quote_plus(text, safe="").replace("~", "%7E")


def rfc3986(text: str) -> str:
    """PHP's rawurlencode (RFC 3986), which WooCommerce uses for OAuth base strings."""
    return quote(text, safe="-_.~")


def build_query(params: PhpArray) -> str:
    """add_query_arg's output: values urlencoded (urlencode_deep), names left as they are."""
    parts: list[str] = []
    for key, value in params.items():
        _flatten(key, value, parts)
    return "&".join(parts)


def _flatten(prefix: str, value: PhpValue, parts: list[str]) -> None:
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _flatten(f"{prefix}%5B{sub_key}%5D", sub_value, parts)
    else:
        parts.append(f"{prefix}={php_urlencode(value)}")


def as_list(value: PhpValue) -> list[str]:
    """wp_parse_list: an array's values, or a string split on commas and whitespace."""
    if isinstance(value, dict):
        return [v if isinstance(v, str) else "" for v in value.values()]
    return [item for item in _split_list(value) if item]


def _split_list(text: str) -> list[str]:
    return re.split(r"[,\s]+", text)
