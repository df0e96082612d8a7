"""The control API under /__woosim/ (JSON, no auth, loopback clients only): the control interface over HTTP,
for the demo and benchmarks running in other processes.

    GET    /__woosim/health                      {"ok": true, "orders": N, "now": ...}
    GET    /__woosim/keys                        read_write / read_only keys
    POST   /__woosim/orders                      create (body: overrides)          -> order
    GET    /__woosim/orders/{id}                 the order as the API renders it
    PUT    /__woosim/orders/{id}[?silent=1]      update (body: changes)            -> order
    POST   /__woosim/orders/{id}/trash|restore   -> order
    POST   /__woosim/orders/{id}/refunds         {"amount": "5.00", "reason": ""}  -> refund
    POST   /__woosim/orders/{id}/notes           {"note": "...", "customer_note": false}
    DELETE /__woosim/orders/{id}                 permanent delete
    POST   /__woosim/orders/bulk                 {"ids": [...], "changes": {...}}  -> orders
    GET    /__woosim/snapshot[?include_trash=0&include_drafts=0]
    GET    /__woosim/clock | POST /__woosim/clock {"advance": s} | {"freeze": iso|epoch|null} | {"unfreeze": true}
    GET|POST|DELETE /__woosim/faults             list / add (FaultRule fields) / clear (releasing holds)
    POST   /__woosim/latency                     {"seconds": 0.1}
    GET|DELETE /__woosim/requests                counts by kind / reset
    POST   /__woosim/webhooks                    {"topic", "delivery_url", "secret"} (no ping)
    POST   /__woosim/webhooks/flush              deliver everything queued now
    GET    /__woosim/webhooks/deliveries
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from woosim.faults import FaultRule

if TYPE_CHECKING:
    from woosim.shop import SimulatedShop

_LOOPBACK = ("127.", "::1", "localhost")
_ORDER = re.compile(r"^/__woosim/orders/(\d+)(?:/(trash|restore|refunds|notes))?$")


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def handle_control(shop: SimulatedShop, scope: dict[str, Any], path: str, body: bytes, send: Any) -> None:
    client = scope.get("client") or ("", 0)
    if not str(client[0]).startswith(_LOOPBACK):
        await _reply(send, 403, {"error": "the control API is served to loopback clients only"})
        return
    shop.counts.add("control")
    method = scope["method"]
    query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        await _reply(send, 400, {"error": "the body is not JSON"})
        return
    try:
        status, data = await asyncio.to_thread(_route, shop, method, path.rstrip("/"), query, payload)
    except ControlError as error:
        status, data = error.status, {"error": str(error)}
    except KeyError as error:
        status, data = 404, {"error": f"no such order: {error.args[0]}"}
    except (ValueError, TypeError) as error:
        status, data = 400, {"error": str(error)}
    await _reply(send, status, data)


def _route(shop: SimulatedShop, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
    if path == "/__woosim/health":
        return 200, {
            "ok": True,
            "orders": shop.order_count,
            "now": shop.clock.now().isoformat(),
            "home_url": shop.home_url,
        }
    if path == "/__woosim/keys":
        return 200, {
            name: {"consumer_key": k.consumer_key, "consumer_secret": k.consumer_secret, "permissions": k.permissions}
            for name, k in (("read_write", shop.read_write_key), ("read_only", shop.read_only_key))
        }
    if path == "/__woosim/orders" and method == "POST":
        return 201, shop.create_order(**_dict(body))
    if path == "/__woosim/orders/bulk" and method == "POST":
        payload = _dict(body)
        return 200, shop.bulk_update([int(i) for i in payload.get("ids", [])], **_dict(payload.get("changes", {})))
    match = _ORDER.match(path)
    if match:
        return _order(shop, method, int(match.group(1)), action=match.group(2), query=query, body=_dict(body))
    if path == "/__woosim/snapshot":
        snap = shop.orders_snapshot(
            include_trash=query.get("include_trash", "1") != "0", include_drafts=query.get("include_drafts", "1") != "0"
        )
        return 200, {str(k): v for k, v in snap.items()}
    if path == "/__woosim/clock":
        return 200, _clock(shop, method, _dict(body))
    if path == "/__woosim/faults":
        return _faults(shop, method, body)
    if path == "/__woosim/latency" and method == "POST":
        shop.set_latency(float(_dict(body).get("seconds", 0)))
        return 200, {"latency": shop.latency}
    if path == "/__woosim/requests":
        if method == "DELETE":
            shop.reset_request_counts()
        return 200, shop.request_counts
    if path == "/__woosim/webhooks" and method == "POST":
        payload = _dict(body)
        hook = shop.create_webhook(
            str(payload["topic"]), str(payload["delivery_url"]), payload.get("secret"), str(payload.get("name", ""))
        )
        return 201, {"id": hook.id, "topic": hook.topic, "delivery_url": hook.delivery_url, "status": hook.status}
    if path == "/__woosim/webhooks/flush" and method == "POST":
        return 200, {"flushed": shop.webhooks.flush(float(_dict(body).get("timeout", 10)))}
    if path == "/__woosim/webhooks/deliveries":
        return 200, [
            {
                "webhook_id": d.webhook_id,
                "topic": d.topic,
                "resource_id": d.resource_id,
                "at": d.at,
                "status_code": d.status_code,
                "error": d.error,
            }
            for d in shop.webhooks.deliveries
        ]
    raise ControlError(404, f"no control route {method} {path}")


def _order(
    shop: SimulatedShop, method: str, order_id: int, *, action: str | None, query: dict[str, str], body: dict[str, Any]
) -> tuple[int, Any]:
    if action is None and method == "GET":
        return 200, shop.get_order(order_id)
    if action is None and method in ("PUT", "PATCH", "POST"):
        if query.get("silent") in ("1", "true"):
            return 200, shop.edit_silently(order_id, **body)
        return 200, shop.update_order(order_id, **body)
    if action is None and method == "DELETE":
        shop.delete_order(order_id)
        return 200, {"deleted": order_id}
    if action == "trash" and method == "POST":
        return 200, shop.trash_order(order_id)
    if action == "restore" and method == "POST":
        return 200, shop.restore_order(order_id)
    if action == "refunds" and method == "POST":
        return 201, shop.add_refund(order_id, str(body.get("amount", "0")), str(body.get("reason", "")))
    if action == "notes" and method == "POST":
        return 201, shop.add_note(order_id, str(body.get("note", "")), bool(body.get("customer_note", False)))
    raise ControlError(405, f"{method} is not supported here")


def _clock(shop: SimulatedShop, method: str, body: dict[str, Any]) -> dict[str, Any]:
    if method == "POST":
        if "advance" in body:
            shop.clock.advance(float(body["advance"]))
        if "freeze" in body:
            at = body["freeze"]
            if isinstance(at, str):
                shop.clock.freeze(datetime.fromisoformat(at.replace("Z", "+00:00")))
            else:
                shop.clock.freeze(at)
        if body.get("unfreeze"):
            shop.clock.unfreeze()
    return {"now": shop.clock.now().isoformat(), "epoch": shop.clock.time(), "frozen": shop.clock.frozen}


def _faults(shop: SimulatedShop, method: str, body: Any) -> tuple[int, Any]:
    if method == "DELETE":
        shop.faults.clear()
    elif method == "POST":
        fields = _dict(body)
        allowed = {"kind", "status", "retry_after", "latency", "times", "match", "probability", "skip", "query"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        shop.faults.add(FaultRule(**fields))
        return 201, [rule.to_dict() for rule in shop.faults.rules]
    return 200, [rule.to_dict() for rule in shop.faults.rules]


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


async def _reply(send: Any, status: int, data: Any) -> None:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
