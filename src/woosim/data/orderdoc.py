"""Builds an order document (the stored, home-URL-free part of an order) with WooCommerce's arithmetic.

Line totals, coupon discounts, taxes per rate and the order totals are computed the way WooCommerce rounds
them (per line, half away from zero, two decimals), so the numbers in generated and created orders add up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from woosim.data.catalog import CURRENCY_SYMBOLS, Coupon, Product, ShippingMethod, TaxRate
from woosim.data.model import Doc
from woosim.wordpress.money import ZERO, cents, fmt, php_number, trim

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
)
HUNDRED = Decimal(100)


def empty_billing() -> dict[str, Any]:
    return {**dict.fromkeys(ADDRESS_FIELDS, ""), "email": "", "phone": ""}


def empty_shipping() -> dict[str, Any]:
    return {**dict.fromkeys(ADDRESS_FIELDS, ""), "phone": ""}


@dataclass
class IdSource:
    """Where line-item, meta and item-meta ids come from (a shop counter, or a per-order block)."""

    item: Callable[[], int]
    meta: Callable[[], int]
    item_meta: Callable[[], int]

    @classmethod
    def block(cls, order_id: int) -> IdSource:
        """Deterministic ids for a generated order, disjoint from every other generated order's."""
        items = iter(range(order_id * 16, order_id * 16 + 16))
        metas = iter(range(order_id * 16, order_id * 16 + 16))
        item_metas = iter(range(order_id * 64, order_id * 64 + 64))
        return cls(lambda: next(items), lambda: next(metas), lambda: next(item_metas))


@dataclass
class LineSpec:
    product: Product | None  # None: a product id that does not exist (the line keeps a blank name and 0 price)
    quantity: int


@dataclass
class OrderSpec:
    currency: str
    billing: dict[str, Any] = field(default_factory=empty_billing)
    shipping: dict[str, Any] = field(default_factory=empty_shipping)
    lines: list[LineSpec] = field(default_factory=list)
    coupon: Coupon | None = None
    shipping_method: ShippingMethod | None = None
    shipping_total: Decimal | None = None
    shipping_title: str | None = None
    fee: tuple[str, Decimal, bool] | None = None
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    created_via: str = "rest-api"
    customer_note: str = ""
    meta: list[tuple[str, Any]] = field(default_factory=list)
    tax_rate: TaxRate | None = None
    order_key: str = ""
    reduce_stock: bool = False
    version: str = "10.2.4"


def build_doc(order_id: int, spec: OrderSpec, ids: IdSource) -> Doc:
    """The document for a new order; dates (`paid`, `completed`) are left to the caller."""
    rate = spec.tax_rate
    line_items: list[dict[str, Any]] = []
    subtotals = [(line.product.price if line.product else ZERO) * line.quantity for line in spec.lines]
    discounts = _discounts(spec.coupon, subtotals)
    cart_tax = ZERO
    discount_tax = ZERO
    items_total = ZERO
    for line, subtotal, discount in zip(spec.lines, subtotals, discounts, strict=True):
        total = subtotal - discount
        sub_tax = _tax(subtotal, rate)
        tot_tax = _tax(total, rate)
        cart_tax += tot_tax
        discount_tax += sub_tax - tot_tax
        items_total += total
        amounts = _LineAmounts(subtotal, total, sub_tax, tot_tax)
        line_items.append(_line_item(ids, line, amounts, rate, reduce_stock=spec.reduce_stock))

    shipping_lines: list[dict[str, Any]] = []
    shipping_total = ZERO
    shipping_tax = ZERO
    if spec.shipping_method is not None or spec.shipping_total is not None:
        method = spec.shipping_method
        cost = spec.shipping_total if spec.shipping_total is not None else (method.cost if method else ZERO)
        shipping_total = cost
        shipping_tax = _tax(cost, rate)
        shipping_lines.append(
            {
                "id": ids.item(),
                "method_title": spec.shipping_title or (method.title if method else ""),
                "method_id": method.method_id if method else "",
                "instance_id": "",
                "total": fmt(cost),
                "total_tax": fmt(shipping_tax),
                "taxes": [{"id": rate.rate_id, "total": fmt(shipping_tax), "subtotal": ""}] if rate else [],
                "tax_status": "taxable",
                "meta_data": [],
            }
        )

    fee_lines: list[dict[str, Any]] = []
    fee_total = ZERO
    if spec.fee is not None:
        name, amount, taxable = spec.fee
        fee_tax = _tax(amount, rate) if rate and (taxable or amount < 0) else ZERO
        fee_total = amount
        cart_tax += fee_tax
        fee_lines.append(
            {
                "id": ids.item(),
                "name": name,
                "tax_class": "",
                "tax_status": "taxable" if taxable else "none",
                "amount": "",
                "total": fmt(amount),
                "total_tax": fmt(fee_tax),
                "taxes": [{"id": rate.rate_id, "total": fmt(fee_tax), "subtotal": ""}] if rate and fee_tax else [],
                "meta_data": [],
            }
        )

    coupon_lines: list[dict[str, Any]] = []
    discount_total = sum(discounts, ZERO)
    if spec.coupon is not None:
        coupon = spec.coupon
        coupon_lines.append(
            {
                "id": ids.item(),
                "code": coupon.code,
                "discount": trim(discount_total),
                "discount_tax": trim(discount_tax),
                "meta_data": [
                    {
                        "id": ids.item_meta(),
                        "key": "coupon_info",
                        "value": coupon.info,
                        "display_key": "coupon_info",
                        "display_value": coupon.info,
                    }
                ],
                "discount_type": coupon.discount_type,
                "nominal_amount": php_number(coupon.amount),
                "free_shipping": False,
            }
        )

    tax_lines: list[dict[str, Any]] = []
    if rate is not None and spec.lines:
        tax_lines.append(
            {
                "id": ids.item(),
                "rate_code": rate.rate_code,
                "rate_id": rate.rate_id,
                "label": rate.label,
                "compound": False,
                "tax_total": fmt(cart_tax),
                "shipping_tax_total": fmt(shipping_tax),
                "rate_percent": rate.rate_percent,
                "meta_data": [],
            }
        )

    total_tax = cart_tax + shipping_tax
    grand_total = items_total + shipping_total + fee_total + total_tax
    meta = [{"id": ids.meta(), "key": k, "value": v} for k, v in spec.meta]
    return {
        "parent_id": 0,
        "currency": spec.currency,
        "version": spec.version,
        "prices_include_tax": False,
        "discount_total": fmt(discount_total),
        "discount_tax": fmt(discount_tax),
        "shipping_total": fmt(shipping_total),
        "shipping_tax": fmt(shipping_tax),
        "cart_tax": fmt(cart_tax),
        "total": fmt(grand_total),
        "total_tax": fmt(total_tax),
        "order_key": spec.order_key,
        "billing": spec.billing,
        "shipping": spec.shipping,
        "payment_method": spec.payment_method,
        "payment_method_title": spec.payment_method_title,
        "transaction_id": spec.transaction_id,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": spec.created_via,
        "customer_note": spec.customer_note,
        "cart_hash": "",
        "number": str(order_id),
        "meta_data": meta,
        "line_items": line_items,
        "tax_lines": tax_lines,
        "shipping_lines": shipping_lines,
        "fee_lines": fee_lines,
        "coupon_lines": coupon_lines,
        "refunds": [],
        "needs_processing": any(line.product is not None and not line.product.virtual for line in spec.lines),
        "currency_symbol": CURRENCY_SYMBOLS.get(spec.currency, spec.currency),
        "paid": None,
        "completed": None,
    }


def _discounts(coupon: Coupon | None, subtotals: list[Decimal]) -> list[Decimal]:
    if coupon is None or not subtotals:
        return [ZERO for _ in subtotals]
    if coupon.discount_type == "percent":
        return [cents(s * coupon.amount / HUNDRED) for s in subtotals]
    # fixed_cart: spread over the lines in proportion to their subtotals, remainder on the last line.
    cart = sum(subtotals, ZERO)
    amount = min(coupon.amount, cart)
    shares = [cents(amount * s / cart) if cart else ZERO for s in subtotals]
    shares[-1] += amount - sum(shares, ZERO)
    return shares


def _tax(amount: Decimal, rate: TaxRate | None) -> Decimal:
    if rate is None:
        return ZERO
    return cents(amount * rate.percent / HUNDRED)


@dataclass(frozen=True)
class _LineAmounts:
    subtotal: Decimal
    total: Decimal
    sub_tax: Decimal
    tot_tax: Decimal


def _line_item(
    ids: IdSource, line: LineSpec, amounts: _LineAmounts, rate: TaxRate | None, *, reduce_stock: bool
) -> dict[str, Any]:
    subtotal, total, sub_tax, tot_tax = amounts.subtotal, amounts.total, amounts.sub_tax, amounts.tot_tax
    product = line.product
    item_id = ids.item()
    meta: list[dict[str, Any]] = []
    if product is not None and product.attribute is not None:
        k, v, display = product.attribute
        meta.append({"id": ids.item_meta(), "key": k, "value": v, "display_key": display, "display_value": v})
    if product is not None and reduce_stock and product.manage_stock:
        qty = str(line.quantity)
        meta.append(
            {
                "id": ids.item_meta(),
                "key": "_reduced_stock",
                "value": qty,
                "display_key": "_reduced_stock",
                "display_value": qty,
            }
        )
    quantity = max(line.quantity, 1)
    return {
        "id": item_id,
        "name": product.name if product else "",
        "product_id": product.product_id if product else 0,
        "variation_id": product.variation_id if product else 0,
        "quantity": line.quantity,
        "tax_class": "",
        "subtotal": fmt(subtotal),
        "subtotal_tax": fmt(sub_tax),
        "total": fmt(total),
        "total_tax": fmt(tot_tax),
        "taxes": [{"id": rate.rate_id, "total": fmt(tot_tax), "subtotal": fmt(sub_tax)}] if rate else [],
        "meta_data": meta,
        "sku": product.sku if product else None,
        "global_unique_id": "" if product else None,
        "price": php_number(cents(total) / quantity),
        "image": {"id": product.image_id if product else 0, "src": ""},
        "parent_name": product.parent_name if product else None,
    }
