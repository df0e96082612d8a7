"""Replays every recorded exchange with the real WooCommerce 10.2.4 store against the simulated shop.

The exchanges are replayed in the order they were recorded against one shop loaded with the store's orders
as they were before the recording, its clock frozen at each recorded response's `Date`, so signatures,
nonces, timestamps and the recorded mutations play out as they did. Two mutations were recorded without an
exchange file (deleting webhook 4 and order 52 for good); they are applied at their time from the mutation
log. Each exchange is then compared on what matters: status, error code, pagination and content-type
headers, and the JSON shape (keys and value types, recursively).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.woosim.receiver import WebhookReceiver
from tests.woosim.recordings import (
    AFTER_DATASET,
    BEFORE_DATASET,
    HOME,
    RECORDED,
    Exchange,
    exchange_files,
    first_difference,
    load_exchange,
)
from woosim import ShopServer, SimulatedShop

EXCHANGES = exchange_files()
_UNRECORDED = {"webhooks-api-delete-nonstandard-port", "order-delete-force"}

# Its module fixture is costly: under pytest-xdist the module's tests stay together on one worker.
pytestmark = pytest.mark.xdist_group("conformance")


@dataclass
class Replayed:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Replay:
    results: dict[str, Replayed]
    after_snapshot: dict[int, dict[str, Any]]
    deliveries: list[Any]
    shop: SimulatedShop


def _timeline() -> list[tuple[float, str, Any]]:
    items: list[tuple[float, str, Any]] = [(load_exchange(n).requested_at, "exchange", n) for n in EXCHANGES]
    log = json.loads((RECORDED / "mutation-log.json").read_text(encoding="utf-8"))
    for mutation in log["mutations"]:
        if mutation["name"] in _UNRECORDED:
            items.append((float(mutation["epoch"]), "mutation", mutation))
    items.sort(key=lambda item: item[0])
    return items


def _apply_unrecorded(shop: SimulatedShop, mutation: dict[str, Any]) -> None:
    shop.clock.freeze(float(mutation["epoch"]))
    if mutation["name"] == "order-delete-force":
        shop.delete_order(int(mutation["path"].rsplit("/", 1)[1]))
    else:
        shop.webhooks.delete(int(mutation["path"].rsplit("/", 1)[1]))


def _send(client: httpx.Client, base: str, exchange: Exchange) -> Replayed:
    req = exchange.request
    headers = {k: v for k, v in req["headers"].items() if k.lower() != "host"}
    content = json.dumps(req["body"]).encode() if req["body"] is not None else None
    response = client.request(req["method"], base + req["target"], headers=headers, content=content)
    return Replayed(response.status_code, response.headers, response.content)


@pytest.fixture(scope="module")
def replay() -> Any:
    after_fetched = datetime.fromisoformat(
        json.loads(AFTER_DATASET.read_text(encoding="utf-8"))["fetched_at_utc"].replace("Z", "+00:00")
    ).timestamp()
    shop = SimulatedShop.from_dataset(str(BEFORE_DATASET), home_url=HOME, webhook_any_port=False, webhook_delay=3600.0)
    results: dict[str, Replayed] = {}
    snapshot: dict[int, dict[str, Any]] = {}
    with WebhookReceiver() as receiver, ShopServer(shop) as plain, ShopServer(shop, https=True) as tls:
        # The recorded listener ran on 127.0.0.1:80; deliveries to it go to this receiver instead.
        shop.webhooks.resolve_url = lambda url: url.replace("http://127.0.0.1/", receiver.url + "/", 1)
        with httpx.Client(timeout=10) as http, httpx.Client(timeout=10, verify=tls.ssl_context_for_clients()) as https:
            for when, what, item in _timeline():
                if not snapshot and when > after_fetched:
                    snapshot = shop.orders_snapshot()
                if what == "mutation":
                    _apply_unrecorded(shop, item)
                    continue
                exchange = load_exchange(item)
                shop.clock.freeze(exchange.sent_at)
                if exchange.request["scheme"] == "https":
                    results[item] = _send(https, tls.base_url, exchange)
                else:
                    results[item] = _send(http, plain.base_url, exchange)
        shop.webhooks.flush()
        deliveries = list(receiver.requests)
    shop.close()
    return Replay(results, snapshot, deliveries, shop)


@pytest.mark.parametrize("name", EXCHANGES)
def test_exchange_matches_recording(replay: Replay, name: str) -> None:
    exchange = load_exchange(name)
    recorded = exchange.response
    got = replay.results[name]
    assert got.status == recorded["status"], got.body[:300]
    assert got.headers.get("content-type") == exchange.header("Content-Type")
    for header in ("X-WP-Total", "X-WP-TotalPages", "Link"):
        assert got.headers.get(header) == exchange.header(header), header
    expected_body = recorded["body_json"]
    actual_body = got.json()
    if isinstance(expected_body, dict) and "code" in expected_body:
        assert isinstance(actual_body, dict)
        assert actual_body.get("code") == expected_body["code"]
        assert actual_body.get("message") == expected_body["message"]
    difference = first_difference(actual_body, expected_body)
    assert difference is None, difference
    # Lists show the same rows in the same order (note ids are the store's comment ids, which we cannot know).
    listed = isinstance(expected_body, list) and expected_body and isinstance(expected_body[0], dict)
    if listed and not exchange.request["path"].endswith("/notes"):
        assert [item.get("id") for item in actual_body] == [item.get("id") for item in expected_body]


def _comparable(order: dict[str, Any]) -> dict[str, Any]:
    """An order without what the real store itself does not keep stable or we cannot know: the random order
    key, ids it allocated for new rows, and the order of meta rows (MySQL returns them in any order)."""
    out = dict(order)
    for name in ("order_key", "payment_url"):
        out.pop(name)
    out["meta_data"] = sorted((m["key"], json.dumps(m["value"])) for m in order["meta_data"])
    out["line_items"] = [
        {**item, "meta_data": sorted(m["key"] for m in item["meta_data"])} for item in order["line_items"]
    ]
    return out


def test_state_after_the_recorded_mutations_is_the_recorded_dataset(replay: Replay) -> None:
    recorded = json.loads(AFTER_DATASET.read_text(encoding="utf-8"))
    expected = {o["id"]: o for group in ("orders", "trashed_orders", "checkout_draft_orders") for o in recorded[group]}
    assert sorted(replay.after_snapshot) == sorted(expected)
    for order_id, order in expected.items():
        assert _comparable(replay.after_snapshot[order_id]) == _comparable(order), order_id


_SECRETS = {
    "1": "whsec_local_created_0123456789",
    "2": "whsec_local_updated_0123456789",
    "3": "whsec_local_deleted_0123456789",
}


def test_webhook_deliveries_are_the_recorded_ones(replay: Replay) -> None:
    recorded = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RECORDED.glob("webhook-0*.json"))]
    by_number = {int(r["name"].split("-")[1]): r for r in recorded}
    # The recording numbers every request its listener received: the 23 we sent must line up with them.
    assert len(replay.deliveries) == max(by_number)
    for number, expected in by_number.items():
        got = replay.deliveries[number - 1]
        headers = {k.lower(): v for k, v in expected["headers"]}
        got_headers = {k.lower(): v for k, v in got.headers.items()}
        assert got_headers["user-agent"] == headers["user-agent"]
        assert got_headers["content-type"] == headers["content-type"]
        wc_headers = sorted(k for k in headers if k.startswith("x-wc-webhook"))
        assert sorted(k for k in got_headers if k.startswith("x-wc-webhook")) == wc_headers
        if not wc_headers:
            assert got.body.decode() == expected["body_text"]
            continue
        for name in (
            "x-wc-webhook-source",
            "x-wc-webhook-topic",
            "x-wc-webhook-resource",
            "x-wc-webhook-event",
            "x-wc-webhook-id",
        ):
            assert got_headers[name] == headers[name], name
        secret = _SECRETS[got_headers["x-wc-webhook-id"]].encode()
        signature = base64.b64encode(hmac.new(secret, got.body, hashlib.sha256).digest()).decode()
        assert got_headers["x-wc-webhook-signature"] == signature
        body = json.loads(got.body)
        assert body["id"] == expected["body_json"]["id"]
        assert first_difference(body, expected["body_json"]) is None
