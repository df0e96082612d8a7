"""GET/POST /orders, GET/PUT/DELETE /orders/{id}, POST /orders/batch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from woosim.data.model import ANY_STATUSES, STATUSES, OrderRow
from woosim.data.recorded import endpoint_args
from woosim.http.links import link_params, page_links
from woosim.http.rest import Ctx, Result
from woosim.store.order_store import OrderQuery
from woosim.store.render import FieldFilter, apply_dp
from woosim.wordpress.errors import WooError
from woosim.wordpress.phpquery import PhpValue, as_list
from woosim.wordpress.shoptime import parse_filter_date
from woosim.wordpress.wpschema import to_bool

_INT_PARAMS = ("page", "per_page", "offset", "customer", "product", "dp")
_INT_LIST_PARAMS = ("include", "exclude", "parent", "parent_exclude")


def _int(value: Any, default: int) -> int:
    if value is None:
        return default
    return int(float(str(value)))


def _int_list(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else as_list(value) if isinstance(value, str | dict) else [value]
    return [int(float(str(v))) for v in items]


def resolve_statuses(value: Any) -> tuple[str, ...]:
    """WooCommerce's status list: `any` (wherever it appears) means every status but trash and auto-draft."""
    items = value if isinstance(value, list) else as_list(value) if isinstance(value, str | dict) else []
    if not items or "any" in items:
        return ANY_STATUSES
    return tuple(dict.fromkeys(s for s in items if s in STATUSES))


def list_orders(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    shop = ctx.shop
    page = _int(values.get("page"), 1)
    per_page = _int(values.get("per_page"), 10)
    dp = _int(values.get("dp"), 2)
    gmt = to_bool(values["dates_are_gmt"]) if "dates_are_gmt" in values else False
    bounds: dict[str, int | None] = {}
    known = endpoint_args("/wc/v3/orders", "GET", shop.config.wc_version)
    if "dates_are_gmt" not in known:
        gmt = False
    for name in ("after", "before", "modified_after", "modified_before"):
        raw = values.get(name) if name in known else None
        parsed = parse_filter_date(raw, shop.time) if isinstance(raw, str) else None
        bounds[name] = parsed.bound(shop.time, gmt) if parsed is not None else None
    include = _int_list(values.get("include"))
    orderby = str(values.get("orderby", "date"))
    query = OrderQuery(
        statuses=resolve_statuses(values.get("status", "any")),
        orderby=orderby if orderby != "include" or include else "date",
        descending=str(values.get("order", "desc")) != "asc",
        after=bounds["after"],
        before=bounds["before"],
        modified_after=bounds["modified_after"],
        modified_before=bounds["modified_before"],
        include=include or None,
        exclude=frozenset(_int_list(values.get("exclude"))),
        customer=_int(values["customer"], 0) if "customer" in values else None,
        predicate=_predicate(ctx, values),
        offset=_int(values["offset"], 0) if "offset" in values else (page - 1) * per_page,
        limit=per_page,
    )
    if ctx.page_fault == "shift_pages":
        query.offset += 1
    elif ctx.page_fault == "duplicate_page":
        query.offset = max(query.offset - per_page, 0)
    total, rows = shop.store.query(query)
    if not rows:
        total = 0
    fields = FieldFilter(str(values["_fields"])) if isinstance(values.get("_fields"), str) else None
    data = [_render(ctx, row, fields, dp) for row in rows]
    max_pages = math.ceil(total / per_page) if per_page else 0
    params = link_params(
        ctx.query,
        _sanitized(ctx.query),
        {"status": _status_array(values.get("status", "any"))},
        [("dp", str(dp)), ("context", str(values.get("context", "view")))] if rows else [],
    )
    link = page_links(f"{ctx.rest_root}/wc/v3/orders", params, page, max_pages)
    return Result(data, total=total, total_pages=max_pages, link=link)


def _status_array(value: Any) -> dict[str, PhpValue]:
    items = value if isinstance(value, list) else as_list(value) if isinstance(value, str | dict) else ["any"]
    return {str(i): str(v) for i, v in enumerate(items or ["any"])}


def _sanitized(query: dict[str, PhpValue]) -> dict[str, PhpValue]:
    """The schema parameters as WordPress sanitised them (they stay where they were in the query)."""
    out: dict[str, PhpValue] = {}
    for name in _INT_PARAMS:
        value = query.get(name)
        if isinstance(value, str):
            out[name] = str(_int(value, 0))
    for name in _INT_LIST_PARAMS:
        if name in query:
            out[name] = {str(i): str(v) for i, v in enumerate(_int_list(query[name]))}
    if "dates_are_gmt" in query:
        out["dates_are_gmt"] = "1" if to_bool(query["dates_are_gmt"]) else ""
    return out


def _predicate(ctx: Ctx, values: dict[str, Any]) -> Callable[[OrderRow], bool] | None:
    checks: list[Callable[[dict[str, Any]], bool]] = []
    search = values.get("search")
    if isinstance(search, str) and search:
        needle = search.lower()
        checks.append(lambda doc: needle in _search_text(doc))
    if "product" in values:
        product = _int(values["product"], 0)
        checks.append(
            lambda doc: any(i["product_id"] == product or i["variation_id"] == product for i in doc["line_items"])
        )
    parents = _int_list(values.get("parent"))
    if parents:
        checks.append(lambda doc: doc["parent_id"] in parents)
    excluded_parents = _int_list(values.get("parent_exclude"))
    if excluded_parents:
        checks.append(lambda doc: doc["parent_id"] not in excluded_parents)
    created_via = values.get("created_via")
    if created_via:
        sources = set(as_list(created_via)) if isinstance(created_via, str | dict) else set(created_via)
        checks.append(lambda doc: doc["created_via"] in sources)
    if not checks:
        return None
    store = ctx.shop.store
    return lambda row: all(check(store.doc(row)) for check in checks)


def _search_text(doc: dict[str, Any]) -> str:
    parts = [str(v) for v in doc["billing"].values()]
    parts += [str(v) for v in doc["shipping"].values()]
    parts += [item["name"] for item in doc["line_items"]]
    return " ".join(parts).lower()


def _render(ctx: Ctx, row: OrderRow, fields: FieldFilter | None, dp: int) -> dict[str, Any]:
    shop = ctx.shop
    if fields is not None and fields.wants_only_row_fields():
        return fields.apply(shop.renderer.row_fields(row))
    data = shop.renderer.order(row, shop.store.doc(row), ctx.rest_root, ctx.home)
    if dp != 2:
        data = apply_dp(data, dp)
    return fields.apply(data) if fields is not None else data


def render_single(ctx: Ctx, row: OrderRow, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """One order; `_fields` filters the data but `_links` always follows, as for any single resource."""
    values = values if values is not None else ctx.values()
    dp = _int(values.get("dp"), 2) if "dp" in values else 2
    data = ctx.shop.renderer.order(row, ctx.shop.store.doc(row), ctx.rest_root, ctx.home)
    if dp != 2:
        data = apply_dp(data, dp)
    fields_raw = values.get("_fields")
    if isinstance(fields_raw, str):
        links = data.pop("_links")
        data = FieldFilter(fields_raw).apply(data)
        data["_links"] = links
    return data


def _addressed_order(ctx: Ctx, denied_code: str, denied_message: str, missing_status: int = 404) -> OrderRow:
    """The order the URL names. A missing ID is refused before the permission check, whoever asks."""
    row = ctx.shop.store.get(int(ctx.url["id"]))
    if row is None:
        raise WooError(missing_status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    ctx.require_login(denied_code, denied_message)
    return row


def get_order(ctx: Ctx) -> Result:
    values = ctx.validate()
    row = _addressed_order(ctx, "woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
    return Result(render_single(ctx, row, values))


def update_order(ctx: Ctx) -> Result:
    values = ctx.validate()
    row = _addressed_order(
        ctx, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.", missing_status=400
    )
    ctx.shop.orders.update(row, values, ctx.now)  # only the order's own field names are read from it
    return Result(render_single(ctx, row, values))


def delete_order(ctx: Ctx) -> Result:
    values = ctx.validate()
    shop = ctx.shop
    row = _addressed_order(ctx, "woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource.")
    force = to_bool(values["force"]) if "force" in values else False
    with shop.store.lock:
        previous = render_single(ctx, row, values)
        if force:
            shop.orders.delete(row)
        elif row.status == "trash":
            raise WooError(410, "woocommerce_rest_already_trashed", "The shop_order has already been deleted.")
        else:
            shop.orders.trash(row, ctx.now)
    return Result(previous)


def create_order(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
    shop = ctx.shop
    row = shop.orders.create(values, ctx.now, randomize=False, status_default="pending")
    return Result(render_single(ctx, row, {}), status=201, location=f"{ctx.rest_root}/wc/v3/orders/{row.id}")


def batch_orders(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource.")
    requested = {k: v for k in ("create", "update", "delete") if isinstance(v := values.get(k), list)}
    if sum(len(v) for v in requested.values()) > 100:
        raise WooError(
            413, "woocommerce_rest_request_entity_too_large", "Unable to accept more than 100 items for this request."
        )
    out: dict[str, list[Any]] = {}
    for kind, items in requested.items():
        out[kind] = [_batch_item(ctx, kind, item) for item in items]
    return Result(out)


def _batch_item(ctx: Ctx, kind: str, item: Any) -> Any:
    shop = ctx.shop
    try:
        if kind == "create":
            payload = item if isinstance(item, dict) else {}
            created = shop.orders.create(payload, ctx.now, randomize=False, status_default="pending")
            return render_single(ctx, created, {})
        order_id = int(item["id"] if isinstance(item, dict) else item)
        row = shop.store.get(order_id)
        if kind == "update":
            if row is None:
                raise WooError(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            changes = {k: v for k, v in item.items() if k != "id"}
            shop.orders.update(row, changes, ctx.now, lenient_status=True)
            return render_single(ctx, row, {})
        if row is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        previous = render_single(ctx, row, {})
        if row.status == "trash":
            raise WooError(410, "woocommerce_rest_already_trashed", "The shop_order has already been deleted.")
        shop.orders.trash(row, ctx.now)
        return previous
    except WooError as error:
        return {"id": item.get("id", 0) if isinstance(item, dict) else item, "error": error.body()}
