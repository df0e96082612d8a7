"""Deterministic synthetic orders: rows in bulk (fast), documents lazily per order (same seed, same order).

The data has the shapes a sync engine must survive: guests and registered customers with accented names,
several currencies, taxes, coupons, fees, partial and full refunds, every status including trash and
checkout-draft, ids with gaps (refunds share the id sequence), backdated admin orders with high ids, orders
edited weeks after completion, and bulk actions that give many orders the same modification second.
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from woosim.data.catalog import (
    ADDRESSES,
    ATTRIBUTION_SOURCES,
    COMPANIES,
    COUPONS,
    CUSTOMER_NOTES,
    FEES,
    FIRST_NAMES,
    GIFT_MESSAGES,
    LAST_NAMES,
    OFFLINE_PAYMENT,
    PAYMENT_METHODS,
    PRODUCTS,
    SHIPPING_METHODS,
    tax_rate_for,
)
from woosim.data.model import BACKDATED, LATE_EDIT, PARTIAL_REFUND, Doc, OrderRow
from woosim.data.orderdoc import IdSource, LineSpec, OrderSpec, build_doc
from woosim.wordpress.money import dec, fmt

DAY = 86400
_RECENT_WEIGHTS = (
    ("pending", 14),
    ("processing", 40),
    ("on-hold", 10),
    ("completed", 24),
    ("failed", 5),
    ("cancelled", 5),
    ("checkout-draft", 2),
)
_OLD_WEIGHTS = (
    ("completed", 780),
    ("processing", 25),
    ("on-hold", 15),
    ("pending", 25),
    ("cancelled", 55),
    ("refunded", 45),
    ("failed", 30),
    ("trash", 12),
    ("checkout-draft", 2),
)
_TRASHABLE = ("completed", "cancelled", "failed", "pending")


@dataclass(frozen=True)
class GenParams:
    seed: int
    order_count: int
    days: int
    customers: int
    currencies: tuple[str, ...]
    anchor: int  # epoch second the generated history ends at ("now" when the shop was made)
    first_id: int = 36
    wc_version: str = "10.2.4"
    base_location: tuple[str, str] = ("US", "NY")


def generate_rows(p: GenParams) -> tuple[list[OrderRow], int]:
    """All orders as rows, in id order, and the next free id."""
    rng = random.Random(p.seed)  # noqa: S311 - simulated data, not secrets
    n = p.order_count
    span = max(p.days * DAY, 3600)
    start = p.anchor - span
    created_times = sorted(start + rng.randrange(span - 60) for _ in range(n))
    backdated = {i for i in range(n) if rng.random() < 0.004}
    order_of_ids = [i for i in range(n) if i not in backdated] + sorted(backdated)
    rows: list[OrderRow | None] = [None] * n
    next_id = p.first_id
    choose = rng.choices
    recent_pop, recent_w = zip(*_RECENT_WEIGHTS, strict=True)
    old_pop, old_w = zip(*_OLD_WEIGHTS, strict=True)
    customers = max(p.customers, 1)
    for index in order_of_ids:
        created = created_times[index]
        age = p.anchor - created
        status = choose(recent_pop if age < 2 * DAY else old_pop, recent_w if age < 2 * DAY else old_w)[0]
        flags = BACKDATED if index in backdated else 0
        orig = status
        if status == "trash":
            orig = _TRASHABLE[rng.randrange(len(_TRASHABLE))]
        modified = _modified(rng, orig, created, p.anchor)
        if status == "completed" and rng.random() < 0.05:
            flags |= PARTIAL_REFUND
            modified = _after(modified, rng.randrange(3600, 10 * DAY), p.anchor)
        elif status == "completed" and rng.random() < 0.03:
            flags |= LATE_EDIT
            modified = _after(modified, rng.randrange(7 * DAY, 30 * DAY), p.anchor)
        if status == "trash":
            modified = _after(modified, rng.randrange(3600, 20 * DAY), p.anchor)
        customer_id = 2 + rng.randrange(customers) if rng.random() < 0.6 else 0
        order_id = next_id
        next_id += 1
        refund_id = 0
        if orig == "refunded" or flags & PARTIAL_REFUND:
            refund_id = next_id
            next_id += 1
        if rng.random() < 0.03:
            next_id += 1 + rng.randrange(2)  # products, pages and other posts share the id sequence
        rows[index] = OrderRow(
            order_id, status, created, modified, customer_id, flags=flags, refund_id=refund_id, orig_status=orig
        )
    result = [row for row in rows if row is not None]
    _bulk_edits(rng, result, p.anchor)
    result.sort(key=lambda r: r.id)
    return result, next_id


def _modified(rng: random.Random, status: str, created: int, anchor: int) -> int:
    if status in ("pending", "failed", "checkout-draft"):
        delta = rng.randrange(0, 5)
    elif status in ("processing", "on-hold"):
        delta = rng.randrange(3, 90)
    elif status == "completed":
        delta = rng.randrange(3600, 5 * DAY)
    elif status == "cancelled":
        delta = rng.randrange(3600, 3 * DAY)
    else:  # refunded
        delta = rng.randrange(2 * DAY, 20 * DAY)
    return _after(created, delta, anchor)


def _after(base: int, delta: int, anchor: int) -> int:
    """`delta` seconds after `base`, folded back into what has happened by `anchor` when it would lie beyond it.
    Capping at `anchor` instead would stamp every such order with the same second: hundreds of orders saved in the
    very second the shop was made, a bulk edit no real shop shows at the end of its history."""
    moment = base + delta
    return moment if moment <= anchor else base + delta % (anchor - base + 1)


def _bulk_edits(rng: random.Random, rows: list[OrderRow], anchor: int) -> None:
    """Bulk actions: groups of completed orders saved in the very same second."""
    completed = [r for r in rows if r.status == "completed" and not r.flags & PARTIAL_REFUND]
    groups = max(1, len(rows) // 400) if len(completed) >= 5 else 0
    for _ in range(groups):
        pivot = rng.randrange(len(completed))
        members = completed[pivot : pivot + rng.randrange(5, 21)]
        second = _after(max(r.modified for r in members), rng.randrange(60, 3 * DAY), anchor)
        for row in members:
            row.modified = second


def customer_profile(seed: int, customer_id: int) -> dict[str, str]:
    """A registered customer's billing details (stable for the seed)."""
    rng = random.Random(f"{seed}:customer:{customer_id}")  # noqa: S311
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    address = rng.choice(ADDRESSES)
    return {
        "first_name": first,
        "last_name": last,
        "company": rng.choice(COMPANIES),
        "address_1": address.address_1,
        "address_2": "",
        "city": address.city,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country,
        "email": f"{_ascii(first)}.{_ascii(last)}{customer_id - 2}@example.com",
        "phone": f"+1-555-{100 + customer_id % 9900:04d}",
    }


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("\u0141", "L").replace("\u0142", "l").replace("\u00f8", "o"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c == "-")).lower()


def generate_doc(p: GenParams, row: OrderRow) -> Doc:
    """The full document of a generated order, from its row and the seed alone."""
    rng = random.Random(f"{p.seed}:order:{row.id}")  # noqa: S311
    spec = random_spec(rng, p, row.customer_id, row.orig_status, backdated=bool(row.flags & BACKDATED))
    if row.flags & LATE_EDIT:
        spec.meta.append(("_tracking_number", f"1Z{rng.getrandbits(56):014X}"))
        spec.meta.append(("_tracking_provider", "UPS"))
    doc = build_doc(row.id, spec, IdSource.block(row.id))
    _dates(rng, row, doc, paid_status(row.orig_status, spec.payment_method))
    if row.refund_id:
        doc["refunds"] = [_refund_summary(row, doc)]
    if row.status == "trash":
        doc["meta_data"].append(
            {"id": row.id * 16 + 14, "key": "_wp_trash_meta_status", "value": f"wc-{row.orig_status}"}
        )
        doc["meta_data"].append({"id": row.id * 16 + 15, "key": "_wp_trash_meta_time", "value": str(row.modified)})
    return doc


def paid_status(status: str, payment_method: str) -> bool:
    """Whether an order in this status has been paid (offline methods wait on-hold unpaid)."""
    return status in ("processing", "completed", "refunded") or (
        status == "on-hold" and payment_method not in OFFLINE_PAYMENT
    )


def random_spec(
    rng: random.Random, p: GenParams, customer_id: int, status: str, *, backdated: bool = False
) -> OrderSpec:
    """A plausible order: customer or guest, 1-4 lines, maybe a coupon, a fee, notes and meta."""
    if customer_id:
        billing = customer_profile(p.seed, customer_id)
    else:
        billing = customer_profile(p.seed, 10_000 + rng.randrange(100_000))
        billing["company"] = ""
        billing["phone"] = ""
        billing["email"] = f"{rng.getrandbits(24):06x}.guest@example.org"
    shipping = {k: v for k, v in billing.items() if k not in ("email", "phone")}
    shipping["phone"] = ""
    currency = p.currencies[0]
    if len(p.currencies) > 1 and rng.random() < 0.03:
        currency = p.currencies[1 + rng.randrange(len(p.currencies) - 1)]
    method, title, _w = rng.choices(PAYMENT_METHODS, [w for _m, _t, w in PAYMENT_METHODS])[0]
    count = rng.choice((1, 1, 2, 2, 3, 4))
    lines = [LineSpec(rng.choice(PRODUCTS), rng.choice((1, 1, 1, 2, 2, 3))) for _ in range(count)]
    subtotal = sum((ln.product.price * ln.quantity for ln in lines if ln.product), Decimal(0))
    coupon = None
    if rng.random() < 0.12:
        coupon = COUPONS[rng.choice(("welcome10", "save5", "bf-2026"))]
        if subtotal < coupon.minimum_spend:
            coupon = None
    ship_roll = rng.random()
    shipping_method = SHIPPING_METHODS[0 if ship_roll < 0.65 else (1 if ship_roll < 0.85 else 2)]
    fee = FEES[rng.randrange(len(FEES))] if rng.random() < 0.06 else None
    sources = ("checkout", "store-api", "rest-api")
    created_via = "admin" if backdated else rng.choices(sources, (76, 12, 12))[0]
    paid = paid_status(status, method)
    meta: list[tuple[str, str]] = []
    if rng.random() < 0.25:
        meta.append(("_wc_order_attribution_source_type", rng.choice(ATTRIBUTION_SOURCES)))
    if rng.random() < 0.2:
        meta.append(("gift_message", rng.choice(GIFT_MESSAGES)))
    return OrderSpec(
        currency=currency,
        billing=billing,
        shipping=shipping,
        lines=lines,
        coupon=coupon,
        shipping_method=shipping_method,
        fee=fee,
        payment_method=method,
        payment_method_title=title,
        transaction_id=f"ch_{rng.getrandbits(96):024x}" if paid and method == "stripe" else "",
        created_via=created_via,
        customer_note=rng.choice(CUSTOMER_NOTES) if rng.random() < 0.12 else "",
        meta=meta,
        tax_rate=tax_rate_for(billing["country"], billing["state"], p.base_location),
        order_key=new_order_key(rng),
        reduce_stock=paid or status == "on-hold",
        version=p.wc_version,
    )


def new_order_key(rng: random.Random) -> str:
    return "wc_order_" + "".join(rng.choices(string.ascii_letters + string.digits, k=13))


def _dates(rng: random.Random, row: OrderRow, doc: Doc, paid_status: bool) -> None:
    status = row.orig_status
    last = row.modified
    if paid_status:
        doc["paid"] = min(last, row.created + rng.randrange(3, 60))
    if status in ("completed", "refunded"):
        if status == "refunded" or row.flags & (LATE_EDIT | PARTIAL_REFUND) or row.status == "trash":
            span = max(last - (doc["paid"] or row.created), 1)
            doc["completed"] = (doc["paid"] or row.created) + rng.randrange(span)
        else:
            doc["completed"] = last


def _refund_summary(row: OrderRow, doc: Doc) -> dict[str, str | int]:
    if row.orig_status == "refunded":
        return {"id": row.refund_id, "reason": "Customer changed their mind", "total": "-" + doc["total"]}
    first = doc["line_items"][0]
    unit = dec(first["total"]) / max(first["quantity"], 1)
    return {"id": row.refund_id, "reason": "Damaged in transit (1 unit)", "total": "-" + fmt(unit)}
