"""What happens to orders: creation, PUT-style updates, trash, restore, delete, refunds, notes.

Every change made through the API moves `date_modified` to the shop clock's second, as an HPOS shop does
(even a no-op), and queues the webhooks the change fires. `silent` changes model the legacy posts storage,
where address, item and meta edits leave `date_modified` alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from woosim.data.catalog import (
    COUPONS,
    CURRENCY_SYMBOLS,
    SHIPPING_METHODS,
    Coupon,
    StoreSettings,
    find_product,
    tax_rate_for,
)
from woosim.data.generate import GenParams, new_order_key, random_spec
from woosim.data.model import EDIT_STATUSES, PAID_STATUSES, Doc, OrderRow
from woosim.data.orderdoc import LineSpec, OrderSpec, build_doc, empty_billing, empty_shipping
from woosim.store.notes import NoteBook, status_note
from woosim.store.order_store import OrderStore
from woosim.store.refunds import Refund, RefundBook
from woosim.wordpress.errors import WooError
from woosim.wordpress.money import ZERO, dec, fmt

EventSink = Callable[[str, int], None]
_SIMPLE_FIELDS = ("customer_note", "payment_method", "payment_method_title", "transaction_id", "created_via")
_PRICE_SYMBOLS = {"USD": "&#036;", "EUR": "&euro;", "GBP": "&pound;", "CAD": "&#036;", "AUD": "&#036;"}


class OrderService:
    def __init__(
        self,
        store: OrderStore,
        *,
        notes: NoteBook,
        refunds: RefundBook,
        events: EventSink,
        settings: StoreSettings,
        params: GenParams,
    ) -> None:
        self.store = store
        self.notes = notes
        self.refunds = refunds
        self.events = events
        self.settings = settings
        self.params = params
        self._rng = random.Random(f"{params.seed}:new-orders")  # noqa: S311 - simulated data, not secrets

    @property
    def lock(self) -> Any:
        return self.store.lock

    def require(self, order_id: int) -> OrderRow:
        row = self.store.get(order_id)
        if row is None:
            raise KeyError(order_id)
        return row

    # -- updates -----------------------------------------------------------------------------------------
    def update(
        self,
        row: OrderRow,
        changes: dict[str, Any],
        now: int,
        *,
        touch: bool = True,
        lenient_status: bool = False,
        internal: bool = False,
    ) -> OrderRow:
        """Apply a PUT body (already validated) to an order.

        `lenient_status` is the batch endpoint's behaviour: an unknown status silently becomes pending.
        `internal` changes (the control interface) may also set what the API treats as read-only (`total`).
        """
        with self.lock:
            previous = row.status
            doc = self.store.materialize(row)
            new_status: str | None = None
            if "status" in changes and changes["status"] is not None:
                new_status = str(changes["status"]).removeprefix("wc-") if lenient_status else str(changes["status"])
                if new_status not in EDIT_STATUSES:
                    if not lenient_status:
                        raise ValueError(f"unknown order status {new_status!r}")
                    new_status = "pending"
            self._apply_fields(row, doc, changes)
            if internal and changes.get("total") is not None:
                doc["total"] = fmt(dec(str(changes["total"])))
            if changes.get("set_paid") in (True, "true", "1", 1):
                if doc["paid"] is None:
                    doc["paid"] = now
                if new_status is None:
                    new_status = "processing" if doc["needs_processing"] else "completed"
            if new_status is not None and new_status != previous:
                self._transition(row, doc, previous, new_status, now)
            else:
                new_status = None
            self.store.update_row(row, status=new_status, modified=now if touch else None)
            if touch and previous != "trash":
                self.events("updated", row.id)
            return row

    def _apply_fields(self, row: OrderRow, doc: Doc, changes: dict[str, Any]) -> None:
        for name in _SIMPLE_FIELDS:
            if name in changes and changes[name] is not None:
                doc[name] = str(changes[name])
        for name in ("billing", "shipping"):
            value = changes.get(name)
            if isinstance(value, dict):
                allowed = set(doc[name])
                doc[name] = {
                    **doc[name],
                    **{k: ("" if v is None else str(v)) for k, v in value.items() if k in allowed},
                }
        if "customer_id" in changes and changes["customer_id"] is not None:
            row.customer_id = int(changes["customer_id"])
        if "parent_id" in changes and changes["parent_id"] is not None:
            doc["parent_id"] = int(changes["parent_id"])
        if isinstance(changes.get("meta_data"), list):
            self._apply_meta(doc, changes["meta_data"])
        if "currency" in changes and isinstance(changes["currency"], str):
            doc["currency"] = changes["currency"]
            doc["currency_symbol"] = CURRENCY_SYMBOLS.get(changes["currency"], changes["currency"])

    def _apply_meta(self, doc: Doc, items: list[Any]) -> None:
        meta: list[dict[str, Any]] = doc["meta_data"]
        for item in items:
            if not isinstance(item, dict) or "key" not in item:
                continue
            target = None
            if item.get("id") is not None:
                target = next((m for m in meta if m["id"] == item["id"]), None)
            if target is None:
                target = next((m for m in meta if m["key"] == item["key"]), None)
            if target is not None:
                target["value"] = item.get("value", "")
            else:
                meta.append({"id": next(self.store.meta_ids), "key": str(item["key"]), "value": item.get("value", "")})

    def _transition(self, row: OrderRow, doc: Doc, old: str, new: str, now: int) -> None:
        if new in PAID_STATUSES and doc["paid"] is None:
            doc["paid"] = now
        if new == "completed":
            doc["completed"] = now
        self.notes.add(row.id, status_note(old, new), now, author="system")

    # -- trash, restore, delete --------------------------------------------------------------------------
    def trash(self, row: OrderRow, now: int) -> None:
        with self.lock:
            doc = self.store.materialize(row)
            doc["meta_data"] = [m for m in doc["meta_data"] if not str(m["key"]).startswith("_wp_trash_meta_")]
            doc["meta_data"].append(
                {"id": next(self.store.meta_ids), "key": "_wp_trash_meta_status", "value": f"wc-{row.status}"}
            )
            doc["meta_data"].append({"id": next(self.store.meta_ids), "key": "_wp_trash_meta_time", "value": str(now)})
            row.orig_status = row.status
            self.store.update_row(row, status="trash", modified=now)
            self.events("deleted", row.id)

    def restore(self, row: OrderRow, now: int) -> None:
        """Take an order out of the trash the way the admin does (wp_untrash_post): order.restored fires."""
        with self.lock:
            doc = self.store.materialize(row)
            status = row.orig_status if row.orig_status != "trash" else "pending"
            for meta in doc["meta_data"]:
                if meta["key"] == "_wp_trash_meta_status":
                    status = str(meta["value"]).removeprefix("wc-")
            doc["meta_data"] = [m for m in doc["meta_data"] if not str(m["key"]).startswith("_wp_trash_meta_")]
            self.store.update_row(row, status=status, modified=now)
            self.events("restored", row.id)

    def delete(self, row: OrderRow) -> None:
        """Delete for good: no webhook fires, the id is never reused."""
        with self.lock:
            self.store.remove(row)
            self.refunds.remove_order(row.id)
            self.notes.forget_order(row.id)

    # -- creation ----------------------------------------------------------------------------------------
    def create(self, payload: dict[str, Any], now: int, *, randomize: bool, status_default: str) -> OrderRow:
        """A new order from a REST-style body. `randomize` fills what the body leaves out with plausible data
        (the control interface); otherwise blanks, as POST /orders does."""
        with self.lock:
            order_id = self.store.allocate_id()
            status = str(payload.get("status") or status_default)
            customer_id = int(payload.get("customer_id") or 0)
            if randomize:
                spec = random_spec(self._rng, self.params, customer_id, status)
                spec.created_via = "checkout"
                spec.order_key = new_order_key(self._rng)
            else:
                spec = OrderSpec(
                    currency=self.params.currencies[0],
                    order_key=new_order_key(self._rng),
                    version=self.params.wc_version,
                )
            coupon_codes = self._overlay(spec, payload, randomize=randomize)
            set_paid = payload.get("set_paid") in (True, "true", "1", 1)
            spec.reduce_stock = set_paid or status in ("processing", "completed", "on-hold")
            problem = self._coupon_problem(spec, coupon_codes)
            if problem is not None:
                spec.coupon = None
                status = "checkout-draft"
            doc = build_doc(order_id, spec, self.store.ids_for_new_order())
            if set_paid:
                doc["paid"] = now
                if "status" not in payload or payload.get("status") in (None, "pending"):
                    status = "processing" if doc["needs_processing"] else "completed"
            if status in PAID_STATUSES and doc["paid"] is None:
                doc["paid"] = now
            if status == "completed":
                doc["completed"] = now
            row = OrderRow(order_id, status, now, now, customer_id, doc=doc)
            self.store.add(row)
            self.events("created", order_id)
            if problem is not None:
                code, message = problem
                raise WooError(400, code, message, {"status": 400, "new_draft_order_id": order_id})
            return row

    def _overlay(self, spec: OrderSpec, payload: dict[str, Any], *, randomize: bool) -> list[str]:
        billing = payload.get("billing")
        if isinstance(billing, dict):
            base = spec.billing if randomize else empty_billing()
            spec.billing = {**base, **{k: str(v) for k, v in billing.items() if k in base and v is not None}}
        shipping = payload.get("shipping")
        if isinstance(shipping, dict):
            base = spec.shipping if randomize else empty_shipping()
            spec.shipping = {**base, **{k: str(v) for k, v in shipping.items() if k in base and v is not None}}
        for name in _SIMPLE_FIELDS:
            if isinstance(payload.get(name), str):
                setattr(spec, name, payload[name])
        if isinstance(payload.get("currency"), str):
            spec.currency = payload["currency"]
        if isinstance(payload.get("line_items"), list):
            spec.lines = [self._line(item) for item in payload["line_items"] if isinstance(item, dict)]
        if isinstance(payload.get("shipping_lines"), list):
            spec.shipping_method, spec.shipping_total, spec.shipping_title = None, None, None
            for line in payload["shipping_lines"]:
                if isinstance(line, dict):
                    method_id = str(line.get("method_id", ""))
                    spec.shipping_method = next((m for m in SHIPPING_METHODS if m.method_id == method_id), None)
                    spec.shipping_total = dec(str(line.get("total") or "0"))
                    spec.shipping_title = str(line.get("method_title", "")) or None
        elif not randomize:
            spec.shipping_method = None
        if isinstance(payload.get("fee_lines"), list) and payload["fee_lines"]:
            fee = payload["fee_lines"][0]
            if isinstance(fee, dict):
                spec.fee = (
                    str(fee.get("name", "")),
                    dec(str(fee.get("total") or "0")),
                    fee.get("tax_status", "taxable") == "taxable",
                )
        if isinstance(payload.get("meta_data"), list):
            spec.meta = [
                (str(m["key"]), m.get("value", "")) for m in payload["meta_data"] if isinstance(m, dict) and "key" in m
            ]
        spec.tax_rate = tax_rate_for(
            spec.billing.get("country", ""),
            spec.billing.get("state", ""),
            (self.settings.base_country, self.settings.base_state),
        )
        codes: list[str] = []
        if isinstance(payload.get("coupon_lines"), list):
            spec.coupon = None
            codes = [str(c.get("code", "")).lower() for c in payload["coupon_lines"] if isinstance(c, dict)]
        return codes

    @staticmethod
    def _line(item: dict[str, Any]) -> LineSpec:
        product = find_product(int(item.get("product_id") or 0), int(item.get("variation_id") or 0))
        return LineSpec(product, int(item.get("quantity") or 1))

    def _coupon_problem(self, spec: OrderSpec, codes: list[str]) -> tuple[str, str] | None:
        for code in codes:
            coupon = COUPONS.get(code)
            if coupon is None:
                return (
                    "woocommerce_rest_invalid_coupon",
                    f"Coupon &quot;{code}&quot; cannot be applied because it does not exist.",
                )
            subtotal = sum(((ln.product.price if ln.product else ZERO) * ln.quantity for ln in spec.lines), ZERO)
            if subtotal < coupon.minimum_spend:
                return ("woocommerce_rest_invalid_coupon", self._min_spend_message(coupon, spec.currency))
            spec.coupon = coupon
        return None

    @staticmethod
    def _min_spend_message(coupon: Coupon, currency: str) -> str:
        symbol = _PRICE_SYMBOLS.get(currency, currency)
        price = (
            f'<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">'
            f"{symbol}</span>{fmt(coupon.minimum_spend)}</bdi></span>"
        )
        return f"The minimum spend for coupon &quot;{coupon.code}&quot; is {price}."

    # -- refunds and notes -------------------------------------------------------------------------------
    def refund(self, row: OrderRow, amount: Decimal, reason: str, now: int) -> Refund:
        with self.lock:
            doc = self.store.materialize(row)
            refunded = sum((-dec(r["total"]) for r in doc["refunds"]), ZERO)
            remaining = dec(doc["total"]) - refunded
            if amount <= 0 or amount > remaining:
                raise WooError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
            refund_id = self.store.allocate_id()
            full = amount == remaining
            refund = Refund(refund_id, row.id, now, "full" if full else "partial", next(self.store.meta_ids))
            doc["refunds"] = [{"id": refund_id, "reason": reason, "total": fmt(-amount)}, *doc["refunds"]]
            self.refunds.add(refund)
            status = "refunded" if full else None
            if status is not None and row.status != "refunded":
                self.notes.add(row.id, status_note(row.status, "refunded"), now, author="system")
            self.store.update_row(row, status=status, modified=now)
            self.events("updated", row.id)
            return refund
