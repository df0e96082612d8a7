"""Webhooks as WooCommerce runs them: a registry, the creation ping, and a background delivery queue.

Deliveries are queued per (webhook, order) and coalesced while they wait (Action Scheduler's unique actions),
sent after `delay` seconds with the body read at delivery time, signed with HMAC-SHA256 over the raw bytes,
never retried, and a webhook is disabled after more than five consecutive failures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from woosim.wordpress import phpjson

MAX_FAILURES = 5
TOPIC_HOOKS: dict[str, list[str]] = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
}


def valid_topic(topic: str) -> bool:
    if topic in TOPIC_HOOKS:
        return True
    resource, _, event = topic.partition(".")
    return resource == "action" and bool(event)


@dataclass
class Webhook:
    id: int
    name: str
    topic: str
    delivery_url: str
    secret: str = field(repr=False)
    status: str = "active"
    created: int = 0
    modified: int | None = None
    failure_count: int = 0

    @property
    def resource(self) -> str:
        return self.topic.partition(".")[0]

    @property
    def event(self) -> str:
        return self.topic.partition(".")[2]

    @property
    def hooks(self) -> list[str]:
        return list(TOPIC_HOOKS.get(self.topic, [self.topic.partition(".")[2]]))


@dataclass
class Delivery:
    """One delivery attempt, kept for tests and the control API."""

    webhook_id: int
    topic: str
    resource_id: int
    at: float
    status_code: int | None
    error: str | None
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code <= 302


@dataclass
class _Pending:
    due: float
    payload: bytes | None  # fixed at enqueue time (order.deleted); None: read when delivered


PayloadReader = Callable[[Webhook, int], bytes]
Now = Callable[[], float]


class WebhookHub:
    """Registry plus delivery worker. Thread-safe; the worker thread starts with the first queued delivery."""

    def __init__(
        self,
        *,
        now: Now,
        read_payload: PayloadReader,
        source_url: Callable[[], str],
        user_agent: str,
        delay: float,
        timeout: float,
        any_port: bool,
        home_port: int | None = None,
    ) -> None:
        self._now = now
        self._read_payload = read_payload
        self._source_url = source_url
        self.user_agent = user_agent
        self.delay = delay
        self.timeout = timeout
        self.any_port = any_port
        self.home_port = home_port
        # Where a delivery URL really goes (identity by default); tests point a port-80 URL at a local receiver.
        self.resolve_url: Callable[[str], str] = lambda url: url
        self.hooks: dict[int, Webhook] = {}
        self.deliveries: list[Delivery] = []
        self._next_id = 1
        self._queue: dict[tuple[int, int], _Pending] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._busy = 0

    # -- registry ----------------------------------------------------------------------------------------
    def create(self, name: str, topic: str, delivery_url: str, secret: str | None, status: str) -> Webhook:
        with self._cond:
            hook = Webhook(
                self._next_id,
                name,
                topic,
                delivery_url,
                secret or secrets.token_urlsafe(36),
                status=status,
                created=int(self._now()),
            )
            self._next_id += 1
            self.hooks[hook.id] = hook
            return hook

    def get(self, webhook_id: int) -> Webhook | None:
        with self._cond:
            return self.hooks.get(webhook_id)

    def all(self) -> list[Webhook]:
        with self._cond:
            return list(self.hooks.values())

    def delete(self, webhook_id: int) -> Webhook | None:
        with self._cond:
            hook = self.hooks.pop(webhook_id, None)
            for pending_key in [k for k in self._queue if k[0] == webhook_id]:
                del self._queue[pending_key]
            return hook

    def update(self, hook: Webhook, **fields: str) -> None:
        """Change a webhook's name, topic, delivery_url, secret or status; reactivating resets its failures."""
        with self._cond:
            for name, value in fields.items():
                setattr(hook, name, value)
            if fields.get("status") == "active":
                hook.failure_count = 0
            hook.modified = int(self._now())

    def render(
        self, hook: Webhook, rest_root: str, time_local: Callable[[int], str], time_gmt: Callable[[int], str]
    ) -> dict[str, Any]:
        modified = hook.modified
        return {
            "id": hook.id,
            "name": hook.name,
            "status": hook.status,
            "topic": hook.topic,
            "resource": hook.resource,
            "event": hook.event,
            "hooks": hook.hooks,
            "delivery_url": hook.delivery_url,
            "date_created": time_local(hook.created),
            "date_created_gmt": time_gmt(hook.created),
            "date_modified": time_local(modified) if modified is not None else None,
            "date_modified_gmt": time_gmt(modified) if modified is not None else None,
            "_links": {
                "self": [
                    {
                        "href": f"{rest_root}/wc/v3/webhooks/{hook.id}",
                        "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                    }
                ],
                "collection": [{"href": f"{rest_root}/wc/v3/webhooks"}],
            },
        }

    # -- the ping ----------------------------------------------------------------------------------------
    async def ping(self, hook: Webhook) -> None:
        """deliver_ping(): an unsigned form post `webhook_id=N`; a 200 saves the webhook (date_modified moves)."""
        if not self._allowed(hook.delivery_url):
            return
        headers = {"User-Agent": self.user_agent, "Content-Type": "application/x-www-form-urlencoded"}
        try:
            async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as client:
                url = self.resolve_url(hook.delivery_url)
                response = await client.post(url, content=f"webhook_id={hook.id}", headers=headers)
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            with self._cond:
                hook.modified = int(self._now())

    # -- order events ------------------------------------------------------------------------------------
    def order_event(self, event: str, order_id: int) -> None:
        """Queue deliveries for an order change: created (also fires updated), updated, deleted, restored."""
        topics = ["order.created", "order.updated"] if event == "created" else [f"order.{event}"]
        payload = phpjson.dumps({"id": order_id}) if event == "deleted" else None
        due = time.monotonic() + self.delay
        with self._cond:
            for hook in self.hooks.values():
                if hook.status != "active" or hook.topic not in topics:
                    continue
                pending_key = (hook.id, order_id)
                if pending_key not in self._queue:
                    self._queue[pending_key] = _Pending(due, payload)
            if self._queue:
                self._ensure_worker()
                self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def flush(self, timeout: float = 10.0) -> bool:
        """Deliver everything queued now and wait until it is sent (True) or the timeout passes."""
        with self._cond:
            for item in self._queue.values():
                item.due = 0.0
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="woosim-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                with self._cond:
                    job = self._next_due()
                    while job is None and not self._stopping:
                        self._cond.wait(self._wait_time())
                        job = self._next_due()
                    if job is None:
                        return
                    self._busy += 1
                try:
                    self._deliver(client, *job)
                finally:
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()

    def _wait_time(self) -> float | None:
        if not self._queue:
            return None
        return max(0.0, min(p.due for p in self._queue.values()) - time.monotonic())

    def _next_due(self) -> tuple[Webhook, int, bytes | None] | None:
        now = time.monotonic()
        for pending_key, item in self._queue.items():
            if item.due <= now:
                del self._queue[pending_key]
                hook = self.hooks.get(pending_key[0])
                if hook is None or hook.status != "active":
                    continue
                return hook, pending_key[1], item.payload
        return None

    def _deliver(self, client: httpx.Client, hook: Webhook, resource_id: int, payload: bytes | None) -> None:
        body = payload if payload is not None else self._read_payload(hook, resource_id)
        signature = base64.b64encode(hmac.new(hook.secret.encode(), body, hashlib.sha256).digest()).decode()
        second = int(self._now())
        headers = {
            "User-Agent": self.user_agent,
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": self._source_url(),
            "X-WC-Webhook-Topic": hook.topic,
            "X-WC-Webhook-Resource": hook.resource,
            "X-WC-Webhook-Event": hook.event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(hook.id),
            "X-WC-Webhook-Delivery-ID": hashlib.md5(f"{hook.id}{second}".encode(), usedforsecurity=False).hexdigest(),
        }
        status_code: int | None = None
        error: str | None = None
        if not self._allowed(hook.delivery_url):
            error = "A valid URL was not provided."
        else:
            try:
                url = self.resolve_url(hook.delivery_url)
                status_code = client.post(url, content=body, headers=headers).status_code
            except httpx.HTTPError as exc:
                error = type(exc).__name__
        record = Delivery(hook.id, hook.topic, resource_id, self._now(), status_code, error, body)
        with self._cond:
            self.deliveries.append(record)
            if record.ok:
                hook.failure_count = 0
            else:
                hook.failure_count += 1
                if hook.failure_count > MAX_FAILURES:
                    hook.status = "disabled"

    def _allowed(self, url: str) -> bool:
        """wp_safe_remote_post: only ports 80, 443, 8080 and the shop's own (unless any port is allowed)."""
        if self.any_port:
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return port in (80, 443, 8080) or port == self.home_port
