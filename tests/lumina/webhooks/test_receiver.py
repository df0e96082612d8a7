"""Deliveries from the simulated shop over real HTTP into the mirror, and what the receiver refuses."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.webhooks.dispatch import batcher_of
from lumina.webhooks.signature import sign, signature_valid
from tests.lumina.sync.support import Linked
from tests.lumina.webhooks.support import deliver, register, row, secret_of, synced
from tests.paths import RECORDED
from woosim import SimulatedShop


def _recording(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((RECORDED / f"{name}.json").read_text())
    return data


@pytest.fixture
async def ready(service: ServiceContext, linked: Linked) -> Linked:
    await synced(service, linked.shop_id)
    report = await register(service, linked.shop_id)
    assert report.created == 4
    return linked


def _order_in(shop: SimulatedShop, status: str) -> int:
    return next(order_id for order_id in shop.order_ids() if shop.get_order(order_id)["status"] == status)


async def test_each_topic_reaches_the_mirror(service: ServiceContext, ready: Linked, woo_shop: SimulatedShop) -> None:
    order_id = _order_in(woo_shop, "processing")
    woo_shop.update_order(order_id, status="completed")
    created = woo_shop.create_order(status="on-hold")
    await deliver(service, woo_shop)
    updated_row, created_row = (
        await row(service, ready.shop_id, order_id),
        await row(service, ready.shop_id, created["id"]),
    )
    assert updated_row is not None
    assert updated_row.status == "completed"
    assert created_row is not None
    assert created_row.status == "on-hold"
    assert created_row.is_visible

    woo_shop.trash_order(order_id)
    await deliver(service, woo_shop)
    trashed = await row(service, ready.shop_id, order_id)
    assert trashed is not None
    assert not trashed.is_visible
    assert trashed.deleted_at is not None

    woo_shop.clock.advance(1)
    woo_shop.restore_order(order_id)
    await deliver(service, woo_shop)
    restored = await row(service, ready.shop_id, order_id)
    assert restored is not None
    assert restored.is_visible
    assert restored.status == "completed"
    assert all(d.ok for d in woo_shop.webhooks.deliveries)


async def test_the_ping_is_answered(service: ServiceContext, ready: Linked) -> None:
    ping = _recording("webhook-001-ping-wh1")
    url = await _url(service, ready)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            url, content=str(ping["body_text"]), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    assert answer.status_code == 200


async def _url(service: ServiceContext, ready: Linked) -> str:
    from lumina.webhooks.registration import Registrar

    return Registrar(service).url_for(ready.shop_id)


async def test_forged_and_unsigned_deliveries_write_nothing(
    service: ServiceContext, ready: Linked, woo_shop: SimulatedShop
) -> None:
    order_id = _order_in(woo_shop, "processing")
    woo_shop.update_order(order_id, status="cancelled")  # the shop changed it; a forger claims a delivery
    body = json.dumps({"id": order_id, "status": "completed"}).encode()
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-ID": "1",
               "X-WC-Webhook-Delivery-ID": "x"}  # fmt: skip
    requests_before = woo_shop.request_counts.get("total", 0)
    url = await _url(service, ready)
    async with httpx.AsyncClient() as http:
        forged = await http.post(url, content=body, headers={**headers, "X-WC-Webhook-Signature": sign(body, "guess")})
        unsigned = await http.post(url, content=body, headers=headers)
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert forged.json()["error"] == "Unauthorized"
    await batcher_of(service).idle()
    held = await row(service, ready.shop_id, order_id)
    assert held is not None
    assert held.status == "processing"
    assert woo_shop.request_counts.get("total", 0) == requests_before


async def test_unknown_addresses_and_webhooks_answer_404_alike(service: ServiceContext, ready: Linked) -> None:
    url = await _url(service, ready)
    secret = await secret_of(service, ready.shop_id)
    body = b'{"id":1}'
    signed = {"X-WC-Webhook-Signature": sign(body, secret), "X-WC-Webhook-Topic": "order.updated"}
    base = url.rsplit("/", 1)[0]
    async with httpx.AsyncClient() as http:
        unknown_shop = await http.post(f"{base}/999-0123456789abcdef0123456789abcdef", content=body, headers=signed)
        forged_tag = await http.post(f"{base}/{ready.shop_id}-0123456789abcdef0123456789abcdef", content=body,
                                     headers=signed)  # fmt: skip
        unknown_hook = await http.post(url, content=body, headers={**signed, "X-WC-Webhook-ID": "9999"})
    assert unknown_shop.status_code == forged_tag.status_code == unknown_hook.status_code == 404
    assert unknown_shop.json() == forged_tag.json() == unknown_hook.json()


async def test_replayed_old_bodies_make_nothing_older_and_duplicates_are_taken_once(
    service: ServiceContext, ready: Linked, woo_shop: SimulatedShop
) -> None:
    order_id = _order_in(woo_shop, "processing")
    woo_shop.update_order(order_id, status="on-hold")
    await deliver(service, woo_shop)
    old = woo_shop.webhooks.deliveries[-1]
    woo_shop.clock.advance(2)
    woo_shop.update_order(order_id, status="completed")
    await deliver(service, woo_shop)
    assert (await row(service, ready.shop_id, order_id)).status == "completed"  # type: ignore[union-attr]

    secret = await secret_of(service, ready.shop_id)
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": old.topic,
               "X-WC-Webhook-ID": str(old.webhook_id), "X-WC-Webhook-Delivery-ID": "replayed",
               "X-WC-Webhook-Signature": sign(old.body, secret)}  # fmt: skip
    assert json.loads(old.body)["status"] == "on-hold"
    url = await _url(service, ready)
    batches = batcher_of(service).batches
    async with httpx.AsyncClient() as http:
        first = await http.post(url, content=old.body, headers=headers)
        await batcher_of(service).idle()
        again = await http.post(url, content=old.body, headers=headers)
    assert (first.json()["received"], again.json()["received"]) == ("accepted", "duplicate")
    await batcher_of(service).idle()
    assert batcher_of(service).batches == batches + 1
    held = await row(service, ready.shop_id, order_id)
    assert held is not None
    assert held.status == "completed"


async def test_a_lost_delivery_is_repaired_by_the_next_cycle(
    service: ServiceContext, ready: Linked, woo_shop: SimulatedShop
) -> None:
    order_id = _order_in(woo_shop, "processing")
    woo_shop.webhooks.resolve_url = lambda _url: "http://127.0.0.1:9/lost"  # nothing listens: the delivery is lost
    woo_shop.update_order(order_id, status="completed")
    await deliver(service, woo_shop)
    assert not woo_shop.webhooks.deliveries[-1].ok
    assert (await row(service, ready.shop_id, order_id)).status == "processing"  # type: ignore[union-attr]
    await synced(service, ready.shop_id)
    assert (await row(service, ready.shop_id, order_id)).status == "completed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "secret"),
    [("webhook-019-order_deleted-50", "whsec_local_deleted_0123456789"),
     ("webhook-004-order_updated-42", "whsec_local_updated_0123456789")],
)  # fmt: skip
def test_the_real_shops_signatures_verify_on_the_raw_bytes(name: str, secret: str) -> None:
    recording = _recording(name)
    body = base64.b64decode(str(recording["body_base64"]))
    headers = dict(recording["headers"])  # type: ignore[call-overload]
    assert signature_valid(body, secret, headers["X-WC-Webhook-Signature"])
    assert not signature_valid(body, secret + "x", headers["X-WC-Webhook-Signature"])
    reparsed = json.dumps(json.loads(body), separators=(",", ":")).encode()  # PHP's `\/` is gone: other bytes
    if reparsed != body:
        assert not signature_valid(reparsed, secret, headers["X-WC-Webhook-Signature"])


async def test_deliveries_beyond_the_shops_rate_answer_429(service: ServiceContext, ready: Linked) -> None:
    service.settings.webhook_max_per_minute = 2
    service.components.pop("webhook_intake", None)  # built again with the lower rate
    url = await _url(service, ready)
    ping = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient() as http:
        answers = [await http.post(url, content=b"webhook_id=1", headers=ping) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert answers[2].json()["error"] == "Too Many Requests"
