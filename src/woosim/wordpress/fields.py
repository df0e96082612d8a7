"""`_fields` as WordPress applies it to any REST response (rest_filter_response_fields, on rest_post_dispatch).

The list is read by wp_parse_list (commas and whitespace); a dotted name (`billing.email`) keeps part of an
object, and a name whose parent is already kept whole adds nothing. The data keeps its own key order, whatever
order the names came in.
"""

from __future__ import annotations

from typing import Any

from woosim.wordpress.phpquery import as_list


def filter_fields(data: dict[str, Any], raw: str) -> dict[str, Any]:
    """What rest_filter_response_fields leaves of a response object; an empty list leaves it whole."""
    requested = requested_fields(raw)
    return keep_fields(data, field_tree(requested)) if requested else data


def requested_fields(raw: str) -> list[str]:
    return as_list(raw)


def field_tree(requested: list[str]) -> dict[str, Any]:
    """The names as a nested dict: True keeps a value whole, a dict keeps some of an object's keys."""
    tree: dict[str, Any] = {}
    for field_path in requested:
        parts = field_path.split(".")
        node = tree
        complete = False
        for part in parts[:-1]:
            if node.get(part) is True:
                complete = True
                break
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                complete = True
                break
            node = child
        if not complete:
            node[parts[-1]] = True
    return tree


def keep_fields(data: dict[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name not in tree:
            continue
        sub = tree[name]
        if isinstance(sub, dict) and isinstance(value, dict):
            out[name] = keep_fields(value, sub)
        elif isinstance(sub, dict) and isinstance(value, list):
            out[name] = []
        else:
            out[name] = value
    return out
