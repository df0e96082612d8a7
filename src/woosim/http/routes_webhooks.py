"""GET/POST /webhooks and GET/PUT/DELETE /webhooks/{id}."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from woosim.http.rest import Ctx, Result
from woosim.store.webhooks import Webhook, valid_topic
from woosim.wordpress.errors import WooError
from woosim.wordpress.wpschema import to_bool

_STATUSES = ("active", "paused", "disabled")


def _render(ctx: Ctx, hook: Webhook) -> dict[str, Any]:
    return ctx.shop.webhooks.render(hook, ctx.rest_root, ctx.local, ctx.gmt)


def _hook_or_404(ctx: Ctx) -> Webhook:
    hook = ctx.shop.webhooks.get(int(ctx.url["id"]))
    if hook is None:
        raise WooError(404, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
    return hook


def _checked_topic(value: Any) -> str:
    topic = str(value or "")
    if not valid_topic(topic):
        raise WooError(
            400, "woocommerce_rest_shop_webhook_invalid_topic", "Webhook topic is required and must be valid."
        )
    return topic


def _checked_url(value: Any) -> str:
    url = str(value or "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WooError(
            400,
            "woocommerce_rest_shop_webhook_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
        )
    return url


def list_webhooks(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    hooks = ctx.shop.webhooks.all()
    status = str(values.get("status", "all"))
    if status != "all":
        hooks = [h for h in hooks if h.status == status]
    hooks.sort(key=lambda h: (-h.created, h.id))
    if str(values.get("order", "desc")) == "asc":
        hooks.sort(key=lambda h: (h.created, h.id))
    page = int(values.get("page", 1))
    per_page = int(values.get("per_page", 10))
    chosen = hooks[(page - 1) * per_page : page * per_page]
    total = len(hooks) if chosen or page == 1 else 0
    return Result([_render(ctx, h) for h in chosen], total=total, total_pages=math.ceil(total / per_page))


def create_webhook(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
    topic = _checked_topic(values.get("topic"))
    url = _checked_url(values.get("delivery_url"))
    status = str(values.get("status") or "active")
    hub = ctx.shop.webhooks
    name = str(values.get("name") or f"Webhook created on {ctx.local(ctx.now)}")
    hook = hub.create(name, topic, url, str(values.get("secret") or "") or None, status)
    data = _render(ctx, hook)

    async def ping() -> None:
        await hub.ping(hook)

    return Result(data, status=201, location=f"{ctx.rest_root}/wc/v3/webhooks/{hook.id}", after=ping)


def get_webhook(ctx: Ctx) -> Result:
    ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
    return Result(_render(ctx, _hook_or_404(ctx)))


def update_webhook(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
    hook = _hook_or_404(ctx)
    fields: dict[str, str] = {}
    if "topic" in values:
        fields["topic"] = _checked_topic(values["topic"])
    if "delivery_url" in values:
        fields["delivery_url"] = _checked_url(values["delivery_url"])
    if "name" in values:
        fields["name"] = str(values["name"])
    if values.get("secret"):
        fields["secret"] = str(values["secret"])
    if str(values.get("status")) in _STATUSES:
        fields["status"] = str(values["status"])
    ctx.shop.webhooks.update(hook, **fields)
    return Result(_render(ctx, hook))


def delete_webhook(ctx: Ctx) -> Result:
    values = ctx.validate()
    ctx.require_login("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource.")
    hook = _hook_or_404(ctx)
    if not (to_bool(values["force"]) if "force" in values else False):
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
    data = _render(ctx, hook)
    ctx.shop.webhooks.delete(hook.id)
    return Result(data)
