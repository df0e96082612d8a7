"""Webhooks over real HTTP: the ping, signed and coalesced deliveries read at delivery time, trash-only deletes,
and disabling after repeated failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.woosim.receiver import Received, WebhookReceiver
from woosim import SimulatedShop

SECRET = "whsec_test_0123456789"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def _hook(api: httpx.Client, receiver: WebhookReceiver, topic: str) -> dict[str, object]:
    response = api.post(
        "/webhooks", json={"name": topic, "topic": topic, "delivery_url": receiver.url + "/hook", "secret": SECRET}
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _signed(received: Received) -> bool:
    expected = base64.b64encode(hmac.new(SECRET.encode(), received.body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(received.headers["X-WC-Webhook-Signature"], expected)


def _deliveries(receiver: WebhookReceiver) -> list[Received]:
    return [r for r in receiver.requests if "X-WC-Webhook-Topic" in r.headers]


def test_creation_pings_unsigned_and_marks_the_hook_delivered(api: httpx.Client, receiver: WebhookReceiver) -> None:
    created = _hook(api, receiver, "order.updated")
    assert created["date_modified"] is None  # rendered before the ping
    ping = receiver.wait_for(1)[0]
    assert ping.body == f"webhook_id={created['id']}".encode()
    assert ping.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert not [h for h in ping.headers if h.lower().startswith("x-wc-")]
    fetched = api.get(f"/webhooks/{created['id']}").json()
    assert fetched["date_modified"] is not None
    assert api.get("/webhooks").headers["x-wp-total"] == "1"


def test_invalid_topic_is_refused(api: httpx.Client, receiver: WebhookReceiver) -> None:
    response = api.post("/webhooks", json={"topic": "order.shipped", "delivery_url": receiver.url})
    assert response.json()["code"] == "woocommerce_rest_shop_webhook_invalid_topic"


def test_updates_are_coalesced_signed_and_read_at_delivery(
    shop: SimulatedShop, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    _hook(api, receiver, "order.updated")
    receiver.wait_for(1)
    shop.webhooks.delay = 30.0  # hold deliveries until flushed
    order_id = shop.order_ids()[0]
    api.put(f"/orders/{order_id}", json={"status": "on-hold"})
    shop.clock.advance(1)
    api.put(f"/orders/{order_id}", json={"status": "completed"})
    assert shop.webhooks.flush()
    deliveries = _deliveries(receiver)
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert _signed(delivery)
    body = json.loads(delivery.body)
    assert (body["id"], body["status"]) == (order_id, "completed")
    assert b"\\/" in delivery.body  # PHP escapes slashes
    headers = delivery.headers
    assert headers["X-WC-Webhook-Topic"] == "order.updated"
    assert (headers["X-WC-Webhook-Resource"], headers["X-WC-Webhook-Event"]) == ("order", "updated")
    assert headers["X-WC-Webhook-Source"] == shop.home_url + "/"
    assert headers["User-Agent"] == "WooCommerce/10.2.4 Hookshot (WordPress/6.8.8)"


def test_created_orders_fire_created_and_updated(
    shop: SimulatedShop, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    _hook(api, receiver, "order.created")
    _hook(api, receiver, "order.updated")
    receiver.wait_for(2)
    created = shop.create_order(status="processing")
    assert shop.webhooks.flush()
    topics = sorted(r.headers["X-WC-Webhook-Topic"] for r in _deliveries(receiver))
    assert topics == ["order.created", "order.updated"]
    assert all(json.loads(r.body)["id"] == created["id"] for r in _deliveries(receiver))


def test_deleted_fires_on_trash_only_with_the_id(
    shop: SimulatedShop, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    _hook(api, receiver, "order.deleted")
    _hook(api, receiver, "order.updated")
    receiver.wait_for(2)
    first, second = shop.order_ids()[:2]
    api.delete(f"/orders/{first}")
    api.delete(f"/orders/{second}", params={"force": "true"})
    assert shop.webhooks.flush()
    deliveries = _deliveries(receiver)
    assert [(r.headers["X-WC-Webhook-Topic"], r.body) for r in deliveries] == [
        ("order.deleted", f'{{"id":{first}}}'.encode())
    ]
    api.put(f"/orders/{first}", json={"status": "processing"})  # leaving the trash by PUT sends nothing
    assert shop.webhooks.flush()
    assert len(_deliveries(receiver)) == 1


def test_restore_fires_restored(shop: SimulatedShop, receiver: WebhookReceiver) -> None:
    hook = shop.create_webhook("order.restored", receiver.url, SECRET)
    trashed = next(i for i, o in shop.orders_snapshot().items() if o["status"] == "trash")
    restored = shop.restore_order(trashed)
    assert restored["status"] != "trash"
    assert not [m for m in restored["meta_data"] if m["key"].startswith("_wp_trash_meta")]
    assert shop.webhooks.flush()
    assert [r.headers["X-WC-Webhook-ID"] for r in _deliveries(receiver)] == [str(hook.id)]


def test_silent_edits_send_nothing(shop: SimulatedShop, receiver: WebhookReceiver) -> None:
    shop.create_webhook("order.updated", receiver.url, SECRET)
    order_id = shop.order_ids()[0]
    shop.edit_silently(order_id, billing={"city": "Elsewhere"})
    assert shop.webhooks.flush()
    assert _deliveries(receiver) == []


def test_a_failing_endpoint_disables_the_hook_after_five_failures(shop: SimulatedShop) -> None:
    with WebhookReceiver(status=500) as failing:
        hook = shop.create_webhook("order.updated", failing.url, SECRET)
        ids = shop.order_ids()
        for n, order_id in enumerate(ids[:7]):
            shop.update_order(order_id, customer_note=f"try {n}")
            assert shop.webhooks.flush()
        assert hook.failure_count == 6
        assert hook.status == "disabled"
        assert len(failing.requests) == 6  # nothing is sent once disabled


def test_paused_hooks_receive_nothing_and_deleting_needs_force(
    shop: SimulatedShop, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = _hook(api, receiver, "order.updated")
    receiver.wait_for(1)
    paused = api.put(f"/webhooks/{hook['id']}", json={"status": "paused"}).json()
    assert paused["status"] == "paused"
    assert paused["date_modified_gmt"] is not None
    shop.update_order(shop.order_ids()[0], customer_note="while paused")
    assert shop.webhooks.flush()
    assert _deliveries(receiver) == []
    refused = api.delete(f"/webhooks/{hook['id']}")
    assert (refused.status_code, refused.json()["code"]) == (501, "woocommerce_rest_trash_not_supported")
    assert api.delete(f"/webhooks/{hook['id']}", params={"force": "true"}).status_code == 200
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404
