"""Order notes and refunds, the global refunds list, settings, the namespace index and the site root."""

from __future__ import annotations

import math

from woosim.data.model import OrderRow
from woosim.data.recorded import encoded, load
from woosim.http.links import link_params, page_links
from woosim.http.rest import Ctx, Result
from woosim.store.notes import render_note
from woosim.store.refunds import render_refund
from woosim.wordpress.errors import WooError
from woosim.wordpress.fields import filter_fields
from woosim.wordpress.money import dec
from woosim.wordpress.wpschema import to_bool


def _order_or_404(ctx: Ctx) -> OrderRow:
    row = ctx.shop.store.get(int(ctx.url["order_id"]))
    if row is None:
        raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid order ID.")
    return row


def list_notes(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    row = _order_or_404(ctx)
    kind = str(values.get("type", "any"))
    notes = ctx.shop.notes.for_order(row, ctx.shop.store.doc)
    if kind == "customer":
        notes = [n for n in notes if n.customer_note]
    elif kind == "internal":
        notes = [n for n in notes if not n.customer_note]
    return Result([render_note(n, ctx.rest_root, ctx.local, ctx.gmt) for n in notes])


def create_note(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
    row = _order_or_404(ctx)
    text = str(values.get("note") or "")
    if not text:
        raise WooError(400, "woocommerce_rest_invalid_order_note", "Cannot create order note, please try again.")
    customer = to_bool(values["customer_note"]) if "customer_note" in values else False
    author = "WooCommerce" if not to_bool(values.get("added_by_user", False)) else "admin"
    note = ctx.shop.notes.add(row.id, text, ctx.now, customer_note=customer, author=author)
    location = f"{ctx.rest_root}/wc/v3/orders/{row.id}/notes/{note.id}"
    return Result(render_note(note, ctx.rest_root, ctx.local, ctx.gmt), status=201, location=location)


def get_note(ctx: Ctx) -> Result:
    ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
    row = _order_or_404(ctx)
    note_id = int(ctx.url["id"])
    for note in ctx.shop.notes.for_order(row, ctx.shop.store.doc):
        if note.id == note_id:
            return Result(render_note(note, ctx.rest_root, ctx.local, ctx.gmt))
    raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")


def list_order_refunds(ctx: Ctx) -> Result:
    ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    row = _order_or_404(ctx)
    doc = ctx.shop.store.doc(row)
    refunds = [ctx.shop.refunds.get(int(r["id"])) for r in doc["refunds"]]
    data = [render_refund(r, doc, ctx.rest_root, ctx.local, ctx.gmt, with_parent=False) for r in refunds if r]
    return Result(data, total=len(data), total_pages=1 if data else 0)


def create_refund(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
    row = _order_or_404(ctx)
    amount = dec(str(values.get("amount") or "0"))
    refund = ctx.shop.orders.refund(row, amount, str(values.get("reason") or ""), ctx.now)
    doc = ctx.shop.store.doc(row)
    data = render_refund(refund, doc, ctx.rest_root, ctx.local, ctx.gmt, with_parent=False)
    return Result(data, status=201, location=f"{ctx.rest_root}/wc/v3/orders/{row.id}/refunds/{refund.id}")


def get_order_refund(ctx: Ctx) -> Result:
    ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
    row = _order_or_404(ctx)
    refund = ctx.shop.refunds.get(int(ctx.url["id"]))
    if refund is None or refund.order_id != row.id:
        raise WooError(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")
    doc = ctx.shop.store.doc(row)
    return Result(render_refund(refund, doc, ctx.rest_root, ctx.local, ctx.gmt, with_parent=False))


def list_all_refunds(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    page = int(values.get("page", 1))
    per_page = int(values.get("per_page", 10))
    offset = int(values["offset"]) if "offset" in values else (page - 1) * per_page
    total, refunds = ctx.shop.refunds.page(offset, per_page)
    store = ctx.shop.store
    data = []
    for refund in refunds:
        row = store.get(refund.order_id)
        if row is not None:
            data.append(render_refund(refund, store.doc(row), ctx.rest_root, ctx.local, ctx.gmt, with_parent=True))
    if not data:
        total = 0
    max_pages = math.ceil(total / per_page)
    params = link_params(ctx.query, {}, {}, [("dp", "2")] if data else [])
    link = page_links(f"{ctx.rest_root}/wc/v3/refunds", params, page, max_pages)
    return Result(data, total=total, total_pages=max_pages, link=link)


def settings_general(ctx: Ctx) -> Result:
    ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    data = load("wc_v3_settings_general.json.gz", ctx.home)
    for setting in data:
        if setting["id"] == "woocommerce_currency":
            setting["value"] = ctx.shop.config.currencies[0]
    return Result(data)


def wc_index(ctx: Ctx) -> Result:
    return Result(None, raw=encoded("wc_v3_index.json.gz", ctx.home, ctx.shop.config.wc_version))


def site_root(ctx: Ctx) -> Result:
    """GET /wp-json/. `_fields` applies here as anywhere in WordPress: a client that asks for the few keys it
    needs gets a few hundred bytes instead of the whole route table (about 1.4 MB)."""
    data = load("wp_json_root.json.gz", ctx.home)
    shop = ctx.shop
    offset = shop.time.gmt_offset_hours(ctx.now)
    data.update(
        {
            "name": shop.config.site_name,
            "url": ctx.home,
            "home": ctx.home,
            "gmt_offset": int(offset) if offset.is_integer() else offset,
            "timezone_string": shop.time.name,
        }
    )
    fields = ctx.values().get("_fields")
    return Result(filter_fields(data, fields) if isinstance(fields, str) else data)


def users_me(ctx: Ctx) -> Result:
    raise WooError(401, "rest_not_logged_in", "You are not currently logged in.")
