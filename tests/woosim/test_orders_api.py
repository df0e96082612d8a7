"""GET/PUT/DELETE /orders/{id} and POST /orders over real HTTP: what a sync engine relies on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from tests.woosim.helpers import OAuth1
from woosim import ShopServer, SimulatedShop


def _now_gmt(shop: SimulatedShop) -> str:
    return shop.clock.now().strftime("%Y-%m-%dT%H:%M:%S")


def test_get_missing_and_non_numeric_ids(api: httpx.Client) -> None:
    missing = api.get("/orders/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert api.get("/orders/abc").json()["code"] == "rest_no_route"


def test_date_header_carries_the_shop_clock(shop: SimulatedShop, api: httpx.Client) -> None:
    shop.clock.freeze(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    response = api.get("/orders", params={"per_page": 1})
    assert parsedate_to_datetime(response.headers["date"]) == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_every_put_moves_date_modified_even_without_a_change(shop: SimulatedShop, api: httpx.Client) -> None:
    order = next(o for o in shop.orders_snapshot().values() if o["status"] == "completed")
    shop.clock.advance(3600)
    same = api.put(f"/orders/{order['id']}", json={"status": "completed"})
    assert same.status_code == 200
    assert same.json()["date_modified_gmt"] == _now_gmt(shop)
    assert same.json()["date_completed_gmt"] == order["date_completed_gmt"]
    shop.clock.advance(5)
    empty = api.put(f"/orders/{order['id']}", json={})
    assert empty.json()["date_modified_gmt"] == _now_gmt(shop)
    shop.clock.advance(5)
    ignored = api.put(f"/orders/{order['id']}", json={"foo": "bar", "date_created": "2020-01-01T00:00:00"})
    assert ignored.json()["date_modified_gmt"] == _now_gmt(shop)
    assert ignored.json()["date_created_gmt"] == order["date_created_gmt"]


def test_status_changes_and_their_dates(shop: SimulatedShop, api: httpx.Client) -> None:
    order = next(o for o in shop.orders_snapshot().values() if o["status"] == "processing")
    shop.clock.advance(120)
    done = api.put(f"/orders/{order['id']}", json={"status": "completed"}).json()
    assert done["status"] == "completed"
    assert done["date_completed_gmt"] == _now_gmt(shop)
    assert done["date_paid_gmt"] == order["date_paid_gmt"]
    assert shop.get_order(order["id"]) == {**done}


def test_invalid_statuses_and_missing_orders_on_put(shop: SimulatedShop, api: httpx.Client) -> None:
    order_id = shop.order_ids()[0]
    for status in ("shipped", "wc-completed", "trash"):
        refused = api.put(f"/orders/{order_id}", json={"status": status})
        assert refused.status_code == 400
        assert refused.json()["code"] == "rest_invalid_param"
    missing = api.put("/orders/999999", json={"status": "completed"})
    assert (missing.status_code, missing.json()["code"]) == (400, "woocommerce_rest_shop_order_invalid_id")


def test_delete_trashes_then_410_and_force_deletes(shop: SimulatedShop, api: httpx.Client) -> None:
    order = next(o for o in shop.orders_snapshot().values() if o["status"] == "completed")
    shop.clock.advance(30)
    trashed = api.delete(f"/orders/{order['id']}")
    assert trashed.status_code == 200
    assert trashed.json()["status"] == "completed"  # the order as it was before
    after = api.get(f"/orders/{order['id']}").json()
    assert after["status"] == "trash"
    assert after["date_modified_gmt"] == _now_gmt(shop)
    again = api.delete(f"/orders/{order['id']}")
    assert (again.status_code, again.json()["code"]) == (410, "woocommerce_rest_already_trashed")
    assert api.delete(f"/orders/{order['id']}", params={"force": "true"}).status_code == 200
    assert api.get(f"/orders/{order['id']}").status_code == 404


def test_put_with_a_status_takes_an_order_out_of_the_trash(shop: SimulatedShop, api: httpx.Client) -> None:
    trashed = next(o for o in shop.orders_snapshot().values() if o["status"] == "trash")
    shop.clock.advance(10)
    untouched = api.put(f"/orders/{trashed['id']}", json={"customer_note": "still trashed"}).json()
    assert untouched["status"] == "trash"
    revived = api.put(f"/orders/{trashed['id']}", json={"status": "processing"}).json()
    assert revived["status"] == "processing"
    default_list = api.get("/orders", params={"per_page": 100, "orderby": "modified"}).json()
    assert trashed["id"] in [o["id"] for o in default_list]


def test_create_order_renders_like_the_real_store(shop: SimulatedShop, api: httpx.Client) -> None:
    created = api.post(
        "/orders",
        json={
            "set_paid": True,
            "billing": {"first_name": "Ren\u00e9e", "email": "renee@example.org", "country": "US", "state": "NY"},
            "line_items": [{"product_id": 10, "quantity": 2}, {"product_id": 27, "variation_id": 29, "quantity": 1}],
            "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.95"}],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert created.headers["location"].endswith(f"/wp-json/wc/v3/orders/{body['id']}")
    assert body["status"] == "processing"
    assert (body["cart_tax"], body["shipping_tax"], body["total"]) == ("5.41", "0.53", "72.89")
    assert [item["price"] for item in body["line_items"]] == [18.5, 24]
    assert body["date_paid_gmt"] == _now_gmt(shop)
    assert body["id"] > max(i for i in shop.order_ids() if i != body["id"])
    invalid = api.post("/orders", json={"billing": {"email": "not-an-email"}})
    assert invalid.json()["data"]["params"] == {"billing": "Invalid email address."}


def test_refunds_move_date_modified_and_are_negative(shop: SimulatedShop, api: httpx.Client) -> None:
    order = next(o for o in shop.orders_snapshot().values() if o["status"] == "completed" and not o["refunds"])
    shop.clock.advance(50)
    refund = api.post(f"/orders/{order['id']}/refunds", json={"amount": "1.00", "reason": "scratch"})
    assert refund.status_code == 201
    after = api.get(f"/orders/{order['id']}").json()
    assert after["refunds"][0] == {"id": refund.json()["id"], "reason": "scratch", "total": "-1.00"}
    assert after["date_modified_gmt"] == _now_gmt(shop)
    too_much = api.post(f"/orders/{order['id']}/refunds", json={"amount": "100000.00"})
    assert (too_much.status_code, too_much.json()["data"]) == (500, 500)


def test_notes_do_not_move_date_modified(shop: SimulatedShop, api: httpx.Client) -> None:
    order = shop.get_order(shop.order_ids()[0])
    shop.clock.advance(50)
    created = api.post(f"/orders/{order['id']}/notes", json={"note": "hello", "customer_note": True})
    assert created.status_code == 201
    assert api.get(f"/orders/{order['id']}").json()["date_modified_gmt"] == order["date_modified_gmt"]
    notes = api.get(f"/orders/{order['id']}/notes").json()
    assert notes[0]["note"] == "hello"


def test_index_options_and_settings(api: httpx.Client, server: object) -> None:
    index = api.get("").json()
    assert index["namespace"] == "wc/v3"
    assert "/wc/v3/orders" in index["routes"]
    options = api.options("/orders").json()
    assert "modified_after" in options["endpoints"][0]["args"]
    assert api.get("/settings/general").status_code == 200


def test_site_root_keeps_only_the_fields_asked_for(shop: SimulatedShop, server: ShopServer) -> None:
    wanted = "name,home,url,timezone_string,gmt_offset,namespaces"
    with httpx.Client(base_url=server.base_url, timeout=10) as anonymous:
        whole = anonymous.get("/wp-json/")
        trimmed = anonymous.get("/wp-json/", params={"_fields": wanted})
        nested = anonymous.get("/wp-json/", params={"_fields": "name routes./wc/v3.namespace"})
    assert trimmed.status_code == 200
    body = trimmed.json()
    assert list(body) == ["name", "url", "home", "gmt_offset", "timezone_string", "namespaces"]  # the index's order
    assert {key: body[key] for key in wanted.split(",")} == {key: whole.json()[key] for key in wanted.split(",")}
    assert "wc/v3" in body["namespaces"]
    assert len(trimmed.content) < 2_000 < 1_000_000 < len(whole.content)
    assert nested.json() == {"name": shop.config.site_name, "routes": {"/wc/v3": {"namespace": "wc/v3"}}}


async def test_async_server_serves_concurrent_requests_with_latency(shop: SimulatedShop) -> None:
    shop.set_latency(0.2)
    async with ShopServer(shop) as server:
        auth = OAuth1(shop.read_write_key, shop.clock.time)
        async with httpx.AsyncClient(base_url=server.api_url, auth=auth, timeout=10) as client:
            responses = await asyncio.gather(*(client.get("/orders", params={"page": n}) for n in range(1, 9)))
    assert [r.status_code for r in responses] == [200] * 8
    pages = [tuple(o["id"] for o in r.json()) for r in responses]
    assert len(set(pages)) == 8
