"""Orders as the API renders them (view context), with `_fields` and `dp` applied the way WooCommerce does."""

from __future__ import annotations

import copy
from typing import Any

from woosim.data.model import Doc, OrderRow
from woosim.wordpress.fields import field_tree, keep_fields, requested_fields
from woosim.wordpress.money import dec, fmt
from woosim.wordpress.shoptime import ShopTime

ORDER_ALLOW = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_MONEY = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")
# Copied from the document as they are.
_DOC_FIELDS = (
    "order_key",
    "billing",
    "shipping",
    "payment_method",
    "payment_method_title",
    "transaction_id",
    "customer_ip_address",
    "customer_user_agent",
    "created_via",
    "customer_note",
)
_DOC_LISTS = ("meta_data", "line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines", "refunds")
# Fields WooCommerce only computes when asked for by their exact top-level name (get_formatted_item_data).
_EXTRA = (*_DOC_LISTS, "payment_url", "is_editable", "needs_payment", "needs_processing")
EXTRA_FIELDS = frozenset(_EXTRA)
# The top-level fields of an order, in the order the API renders them.
ORDER_FIELDS: tuple[str, ...] = (
    "id",
    "parent_id",
    "status",
    "currency",
    "version",
    "prices_include_tax",
    "date_created",
    "date_modified",
    *_MONEY,
    "customer_id",
    *_DOC_FIELDS,
    "date_completed",
    "date_paid",
    "cart_hash",
    "number",
    *_EXTRA,
    "date_created_gmt",
    "date_modified_gmt",
    "date_completed_gmt",
    "date_paid_gmt",
    "currency_symbol",
)
SCHEMA_FIELDS = frozenset(ORDER_FIELDS)
ROW_ONLY_FIELDS = frozenset(
    {"id", "status", "customer_id", "number", "date_created", "date_created_gmt", "date_modified", "date_modified_gmt"}
)
_EDITABLE = frozenset({"pending", "on-hold", "auto-draft"})
_PAYABLE = frozenset({"pending", "failed", "checkout-draft"})


class OrderRenderer:
    """Renders rows and documents with the shop's timezone and URLs."""

    def __init__(self, shop_time: ShopTime) -> None:
        self.time = shop_time

    def order(self, row: OrderRow, doc: Doc, rest_root: str, home: str) -> dict[str, Any]:
        """The full order as GET /orders/{id} answers it (without `dp` or `_fields` applied)."""
        t = self.time
        paid = doc["paid"]
        completed = doc["completed"]
        total = doc["total"]
        out: dict[str, Any] = {
            "id": row.id,
            "parent_id": doc["parent_id"],
            "status": row.status,
            "currency": doc["currency"],
            "version": doc["version"],
            "prices_include_tax": doc["prices_include_tax"],
            "date_created": t.local(row.created),
            "date_modified": t.local(row.modified),
        }
        for name in _MONEY:
            out[name] = doc[name]
        out["customer_id"] = row.customer_id
        for name in _DOC_FIELDS:
            out[name] = doc[name]
        out["date_completed"] = t.local(completed) if completed is not None else None
        out["date_paid"] = t.local(paid) if paid is not None else None
        out["cart_hash"] = doc["cart_hash"]
        out["number"] = doc["number"]
        for name in _DOC_LISTS:
            out[name] = doc[name]
        out["payment_url"] = f"{home}/checkout/order-pay/{row.id}/?pay_for_order=true&key={doc['order_key']}"
        out["is_editable"] = row.status in _EDITABLE
        out["needs_payment"] = row.status in _PAYABLE and dec(total) > 0
        out["needs_processing"] = doc["needs_processing"]
        out["date_created_gmt"] = t.gmt(row.created)
        out["date_modified_gmt"] = t.gmt(row.modified)
        out["date_completed_gmt"] = t.gmt(completed) if completed is not None else None
        out["date_paid_gmt"] = t.gmt(paid) if paid is not None else None
        out["currency_symbol"] = doc["currency_symbol"]
        out["_links"] = order_links(row.id, row.customer_id, doc["parent_id"], rest_root)
        return out

    def row_fields(self, row: OrderRow) -> dict[str, Any]:
        """The fields that need no document: enough for `_fields=id,date_modified_gmt` at any scale."""
        t = self.time
        return {
            "id": row.id,
            "status": row.status,
            "date_created": t.local(row.created),
            "date_modified": t.local(row.modified),
            "customer_id": row.customer_id,
            "number": str(row.id),
            "date_created_gmt": t.gmt(row.created),
            "date_modified_gmt": t.gmt(row.modified),
        }


def detached(value: Any) -> Any:
    """A copy of rendered JSON data sharing nothing with the stored documents (much faster than deepcopy)."""
    if isinstance(value, dict):
        return {k: detached(v) for k, v in value.items()}
    if isinstance(value, list):
        return [detached(v) for v in value]
    return value


def order_links(order_id: int, customer_id: int, parent_id: int, rest_root: str) -> dict[str, Any]:
    links: dict[str, Any] = {
        "self": [{"href": f"{rest_root}/wc/v3/orders/{order_id}", "targetHints": {"allow": list(ORDER_ALLOW)}}],
        "collection": [{"href": f"{rest_root}/wc/v3/orders"}],
        "email_templates": [
            {"embeddable": True, "href": f"{rest_root}/wc/v3/orders/{order_id}/actions/email_templates"}
        ],
    }
    if customer_id:
        links["customer"] = [{"href": f"{rest_root}/wc/v3/customers/{customer_id}"}]
    if parent_id:
        links["up"] = [{"href": f"{rest_root}/wc/v3/orders/{parent_id}"}]
    return links


class FieldFilter:
    """`_fields` on orders: WooCommerce's rule, then WordPress' (woosim.fields).

    WooCommerce computes the "extra" fields (line items, meta, refunds...) only when asked for by their exact
    name, so `line_items.sku` yields no `line_items` at all; WordPress then keeps the requested keys.
    """

    def __init__(self, raw: str) -> None:
        requested = requested_fields(raw)
        self.tree = field_tree(requested)
        tops = {p.split(".")[0] for p in requested}
        self.computed = {name for name in tops if name in SCHEMA_FIELDS}
        self.exact = {p for p in requested if "." not in p}

    def wants_only_row_fields(self) -> bool:
        return self.computed <= ROW_ONLY_FIELDS

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        present = {k: v for k, v in data.items() if k not in EXTRA_FIELDS or k in self.exact}
        return keep_fields(present, self.tree)


def apply_dp(order: dict[str, Any], dp: int) -> dict[str, Any]:
    """Re-round the money fields for a `dp` other than the shop's 2 decimals (on a copy)."""
    order = copy.deepcopy(order)
    for name in _MONEY:
        if name in order:
            order[name] = fmt(order[name], dp)
    for item in order.get("line_items", []):
        for name in ("subtotal", "subtotal_tax", "total", "total_tax"):
            item[name] = fmt(item[name], dp)
        for tax in item["taxes"]:
            tax["total"] = fmt(tax["total"], dp)
            tax["subtotal"] = fmt(tax["subtotal"], dp) if tax["subtotal"] != "" else ""
    for line in order.get("tax_lines", []):
        line["tax_total"] = fmt(line["tax_total"], dp)
        line["shipping_tax_total"] = fmt(line["shipping_tax_total"], dp)
    for kind in ("shipping_lines", "fee_lines"):
        for line in order.get(kind, []):
            line["total"] = fmt(line["total"], dp)
            line["total_tax"] = fmt(line["total_tax"], dp)
    for refund in order.get("refunds", []):
        refund["total"] = fmt(refund["total"], dp)
    return order
