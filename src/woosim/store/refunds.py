"""Refunds: a date-sorted index of every refund, and their details as the refunds endpoints render them.

Refunds of orders the shop started with are known only by their summary in the order; their details follow
the recorded store: a full refund lists the order's items negated, a partial one (one damaged unit) none.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from woosim.data.model import Doc, key, key_id
from woosim.wordpress.money import dec, fmt, php_number


@dataclass
class Refund:
    id: int
    order_id: int
    created: int
    refund_type: str = ""  # "full" | "partial"; derived from the order when empty
    meta_id: int = 0
    line_items: list[dict[str, Any]] = field(default_factory=list)
    tax_lines: list[dict[str, Any]] = field(default_factory=list)


class RefundBook:
    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self.refunds: dict[int, Refund] = {}
        self._keys: list[int] = []

    def add(self, refund: Refund) -> None:
        with self._lock:
            self.refunds[refund.id] = refund
            insort(self._keys, key(refund.created, refund.id))

    def bulk_load(self, refunds: list[Refund]) -> None:
        with self._lock:
            for refund in refunds:
                self.refunds[refund.id] = refund
            self._keys = sorted(key(r.created, r.id) for r in self.refunds.values())

    def remove_order(self, order_id: int) -> None:
        with self._lock:
            for refund in [r for r in self.refunds.values() if r.order_id == order_id]:
                del self.refunds[refund.id]
                k = key(refund.created, refund.id)
                pos = bisect_left(self._keys, k)
                if pos < len(self._keys) and self._keys[pos] == k:
                    del self._keys[pos]

    def get(self, refund_id: int) -> Refund | None:
        return self.refunds.get(refund_id)

    def page(self, offset: int, limit: int) -> tuple[int, list[Refund]]:
        """Newest first."""
        with self._lock:
            total = len(self._keys)
            stop = max(total - offset, 0)
            start = max(stop - limit, 0)
            chosen = [self.refunds[key_id(k)] for k in reversed(self._keys[start:stop])]
            return total, chosen


def render_refund(
    refund: Refund,
    doc: Doc,
    rest_root: str,
    local: Callable[[int], str],
    gmt: Callable[[int], str],
    *,
    with_parent: bool,
) -> dict[str, Any]:
    summary = next((r for r in doc["refunds"] if r["id"] == refund.id), None)
    amount = -dec(summary["total"]) if summary else Decimal(0)
    reason = str(summary["reason"]) if summary else ""
    refund_type = refund.refund_type or ("full" if dec(doc["total"]) == amount else "partial")
    if refund.line_items or refund.tax_lines or refund.refund_type:
        line_items, tax_lines = refund.line_items, refund.tax_lines
    elif refund_type == "full":
        line_items, tax_lines = _negated_items(refund.id, doc)
    else:
        line_items, tax_lines = [], []
    out: dict[str, Any] = {"id": refund.id}
    if with_parent:
        out["parent_id"] = refund.order_id
    base = f"{rest_root}/wc/v3/orders/{refund.order_id}"
    out.update(
        {
            "date_created": local(refund.created),
            "date_created_gmt": gmt(refund.created),
            "amount": fmt(amount),
            "reason": reason,
            "refunded_by": 1,
            "refunded_payment": False,
            "meta_data": [{"id": refund.meta_id or refund.id * 16 + 15, "key": "_refund_type", "value": refund_type}],
            "line_items": line_items,
            "shipping_lines": [],
            "tax_lines": tax_lines,
            "fee_lines": [],
            "_links": {
                "self": [{"href": f"{base}/refunds/{refund.id}", "targetHints": {"allow": ["GET", "DELETE"]}}],
                "collection": [{"href": f"{base}/refunds"}],
                "up": [{"href": base}],
            },
        }
    )
    return out


def _negated_items(refund_id: int, doc: Doc) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items: list[dict[str, Any]] = []
    next_id = refund_id * 16
    tax_by_rate: dict[int, Decimal] = {}
    for item in doc["line_items"]:
        taxes = []
        for tax in item["taxes"]:
            total = -dec(tax["total"])
            tax_by_rate[tax["id"]] = tax_by_rate.get(tax["id"], Decimal(0)) + total
            taxes.append({"id": tax["id"], "total": fmt(total), "subtotal": fmt(total)})
        quantity = item["quantity"]
        items.append(
            {
                "id": next_id,
                "name": item["name"],
                "product_id": item["product_id"],
                "variation_id": item["variation_id"],
                "quantity": -quantity,
                "tax_class": item["tax_class"],
                "subtotal": fmt(-dec(item["total"])),
                "subtotal_tax": fmt(-dec(item["total_tax"])),
                "total": fmt(-dec(item["total"])),
                "total_tax": fmt(-dec(item["total_tax"])),
                "taxes": taxes,
                "meta_data": [
                    {
                        "id": next_id * 4,
                        "key": "_refunded_item_id",
                        "value": str(item["id"]),
                        "display_key": "_refunded_item_id",
                        "display_value": str(item["id"]),
                    }
                ],
                "sku": item["sku"],
                "global_unique_id": item["global_unique_id"],
                "price": php_number(dec(item["total"]) / max(quantity, 1)),
                "image": item["image"],
                "parent_name": item["parent_name"],
            }
        )
        next_id += 1
    tax_lines = []
    for line in doc["tax_lines"]:
        tax_lines.append(
            {
                **line,
                "id": next_id,
                "tax_total": fmt(tax_by_rate.get(line["rate_id"], Decimal(0))),
                "shipping_tax_total": "0.00",
                "meta_data": [],
            }
        )
        next_id += 1
    return items, tax_lines
