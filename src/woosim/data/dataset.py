"""Loads the recorded store's orders (dataset-all-orders-*.json) as the simulated shop's orders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from woosim.data.model import Doc, OrderRow
from woosim.wordpress.shoptime import parse_gmt

_RENDERED_ONLY = frozenset(
    {
        "id",
        "status",
        "customer_id",
        "date_created",
        "date_modified",
        "date_completed",
        "date_paid",
        "date_created_gmt",
        "date_modified_gmt",
        "date_completed_gmt",
        "date_paid_gmt",
        "payment_url",
        "is_editable",
        "needs_payment",
        "_links",
    }
)


@dataclass
class LoadedDataset:
    rows: list[OrderRow]
    home_url: str
    max_id: int  # highest id in use (orders and refunds share the sequence)
    max_item_id: int
    max_meta_id: int
    max_item_meta_id: int


def load_dataset(path: str | Path) -> LoadedDataset:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    orders: list[dict[str, Any]] = []
    seen: set[int] = set()
    for group in ("orders", "trashed_orders", "checkout_draft_orders"):
        for order in data.get(group, []):
            if order["id"] not in seen:
                seen.add(order["id"])
                orders.append(order)
    rows = [_row(order) for order in sorted(orders, key=lambda o: o["id"])]
    home = ""
    if orders:
        href = orders[0]["_links"]["self"][0]["href"]
        home = href.split("/wp-json/")[0]
    max_id = max((o["id"] for o in orders), default=0)
    max_id = max([max_id, *(r["id"] for o in orders for r in o["refunds"])])
    item_ids = [line["id"] for o in orders for kind in _LINE_KINDS for line in o[kind]]
    meta_ids = [m["id"] for o in orders for m in o["meta_data"]]
    item_meta_ids = [m["id"] for o in orders for kind in _LINE_KINDS for line in o[kind] for m in line["meta_data"]]
    return LoadedDataset(
        rows=rows,
        home_url=home,
        max_id=max_id,
        max_item_id=max(item_ids, default=0),
        max_meta_id=max(meta_ids, default=0),
        max_item_meta_id=max(item_meta_ids, default=0),
    )


_LINE_KINDS = ("line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines")


def _row(order: dict[str, Any]) -> OrderRow:
    doc: Doc = {k: v for k, v in order.items() if k not in _RENDERED_ONLY}
    doc["paid"] = parse_gmt(order["date_paid_gmt"]) if order["date_paid_gmt"] else None
    doc["completed"] = parse_gmt(order["date_completed_gmt"]) if order["date_completed_gmt"] else None
    status = order["status"]
    orig = status
    if status == "trash":
        for meta in order["meta_data"]:
            if meta["key"] == "_wp_trash_meta_status":
                orig = str(meta["value"]).removeprefix("wc-")
    return OrderRow(
        order["id"],
        status,
        parse_gmt(order["date_created_gmt"]),
        parse_gmt(order["date_modified_gmt"]),
        order["customer_id"],
        doc=doc,
        refund_id=order["refunds"][0]["id"] if order["refunds"] else 0,
        orig_status=orig,
    )
