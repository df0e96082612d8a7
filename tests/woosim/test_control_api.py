"""The /__woosim/ control API over real HTTP, as the demo and benchmarks in other processes use it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from woosim import ShopServer, SimulatedShop


@pytest.fixture
def control(server: ShopServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/__woosim", timeout=10) as client:
        yield client


def test_health_and_keys(shop: SimulatedShop, control: httpx.Client) -> None:
    assert control.get("/health").json()["orders"] == shop.order_count
    keys = control.get("/keys").json()
    assert keys["read_write"]["consumer_key"] == shop.read_write_key.consumer_key
    assert keys["read_only"]["permissions"] == "read"


def test_orders_lifecycle(shop: SimulatedShop, control: httpx.Client) -> None:
    created = control.post("/orders", json={"status": "pending", "billing": {"first_name": "Ada"}})
    assert created.status_code == 201
    order = created.json()
    assert order["billing"]["first_name"] == "Ada"
    control.post("/clock", json={"advance": 10})
    updated = control.put(f"/orders/{order['id']}", json={"status": "completed"}).json()
    assert updated["status"] == "completed"
    assert updated["date_modified_gmt"] > order["date_modified_gmt"]
    control.post("/clock", json={"advance": 10})
    silent = control.put(f"/orders/{order['id']}?silent=1", json={"billing": {"city": "Oslo"}}).json()
    assert silent["billing"]["city"] == "Oslo"
    assert silent["date_modified_gmt"] == updated["date_modified_gmt"]
    assert control.post(f"/orders/{order['id']}/trash").json()["status"] == "trash"
    assert control.post(f"/orders/{order['id']}/restore").json()["status"] == "completed"
    assert control.post(f"/orders/{order['id']}/refunds", json={"amount": "1.00"}).status_code == 201
    assert control.delete(f"/orders/{order['id']}").status_code == 200
    assert control.get(f"/orders/{order['id']}").status_code == 404
    assert str(order["id"]) not in control.get("/snapshot").json()


def test_bulk_update_shares_one_second(shop: SimulatedShop, control: httpx.Client) -> None:
    ids = shop.order_ids()[:20]
    control.post("/clock", json={"advance": 100})
    orders = control.post("/orders/bulk", json={"ids": ids, "changes": {"status": "completed"}}).json()
    assert {o["date_modified_gmt"] for o in orders} == {shop.get_order(ids[0])["date_modified_gmt"]}
    assert {o["status"] for o in orders} == {"completed"}


def test_clock_freeze_advance_unfreeze(shop: SimulatedShop, control: httpx.Client) -> None:
    frozen = control.post("/clock", json={"freeze": "2031-05-06T07:08:09Z"}).json()
    assert frozen["now"].startswith("2031-05-06T07:08:09")
    assert frozen["frozen"] is True
    assert control.post("/clock", json={"advance": 60}).json()["now"].startswith("2031-05-06T07:09:09")
    assert control.post("/clock", json={"unfreeze": True}).json()["frozen"] is False


def test_faults_latency_and_counts(shop: SimulatedShop, server: ShopServer, control: httpx.Client) -> None:
    assert (
        control.post("/faults", json={"kind": "status", "status": 429, "retry_after": 3, "times": 1}).status_code == 201
    )
    assert len(control.get("/faults").json()) == 1
    control.delete("/requests")
    assert httpx.get(server.api_url + "/orders").status_code == 429
    assert control.get("/requests").json()["list_orders"] == 1
    assert control.post("/faults", json={"kind": "nope"}).status_code == 400
    assert control.post("/faults", json={"kind": "latency", "oops": 1}).status_code == 400
    control.delete("/faults")
    assert control.get("/faults").json() == []
    assert control.post("/latency", json={"seconds": 0.01}).json() == {"latency": 0.01}
    assert shop.latency == 0.01


def test_unknown_routes_and_bad_bodies(control: httpx.Client) -> None:
    assert control.get("/nothing").status_code == 404
    assert control.post("/orders", content=b"not json").status_code == 400
    assert control.put("/orders/999999", json={}).status_code == 404
