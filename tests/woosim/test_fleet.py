"""A fleet: many shops served from one process and one port, each below its own path, each with its own keys,
orders, clock and faults, built on its first request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.woosim.helpers import OAuth1
from woosim import Fleet, FleetServer, ShopConfig

END = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with Fleet(3, ShopConfig(order_count=30, days=10, end=END), first_seed=40) as shops:
        yield shops


@pytest.fixture
def server(fleet: Fleet) -> Iterator[FleetServer]:
    with FleetServer(fleet) as running:
        yield running


def client(fleet: Fleet, server: FleetServer, number: int, key_of: int | None = None) -> httpx.Client:
    """A client of shop `number`'s API, signing with the read/write key of shop `key_of` (default: its own)."""
    key, _ = fleet.keys(key_of or number)
    auth = OAuth1(key, fleet.shop(number).clock.time)
    return httpx.Client(base_url=server.api_url(number), auth=auth, timeout=10)


def test_each_shop_answers_with_its_own_orders_below_its_own_path(fleet: Fleet, server: FleetServer) -> None:
    with client(fleet, server, 1) as one, client(fleet, server, 2) as two:
        first = one.get("/orders", params={"per_page": 100})
        second = two.get("/orders", params={"per_page": 100})
    assert first.status_code == second.status_code == 200
    assert first.headers["x-wp-total"] == second.headers["x-wp-total"] == "30"
    assert [o["order_key"] for o in first.json()] != [o["order_key"] for o in second.json()]
    assert {o["id"]: o["order_key"] for o in second.json()} == {
        i: o["order_key"] for i, o in fleet.shop(2).orders_snapshot(fields=("id", "order_key")).items()
    }
    home = server.shop_url(2)
    assert home == f"{server.base_url}/shop/2"
    assert all(o["_links"]["self"][0]["href"].startswith(home + "/wp-json/wc/v3/orders/") for o in second.json())
    with client(fleet, server, 2) as two:
        paged = two.get("/orders", params={"per_page": 10, "page": 2})
    assert f"<{home}/wp-json/wc/v3/orders?" in paged.headers["link"]
    root = httpx.get(home + "/wp-json/", params={"_fields": "home,url"}).json()
    assert root == {"home": home, "url": home}


def test_a_shop_refuses_another_shop_s_keys(fleet: Fleet, server: FleetServer) -> None:
    with client(fleet, server, 2, key_of=1) as stranger, client(fleet, server, 2) as owner:
        refused = stranger.get("/orders")
        assert owner.get("/orders").status_code == 200
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_authentication_error"


def test_clocks_faults_and_changes_stay_with_their_shop(fleet: Fleet, server: FleetServer) -> None:
    control = {n: server.shop_url(n) + "/__woosim" for n in (1, 2)}
    assert httpx.post(control[1] + "/clock", json={"advance": 86_400}).status_code == 200
    one_now, two_now = (datetime.fromisoformat(httpx.get(control[n] + "/health").json()["now"]) for n in (1, 2))
    assert timedelta(hours=23) < one_now - two_now < timedelta(hours=25)
    fault = {"kind": "status", "status": 503, "match": "GET /wp-json/wc/v3/orders"}
    assert httpx.post(control[1] + "/faults", json=fault).status_code in (200, 201)
    order_id = fleet.shop(2).order_ids()[0]
    with client(fleet, server, 1) as one, client(fleet, server, 2) as two:
        assert one.get("/orders").status_code == 503
        assert two.get("/orders").status_code == 200
        assert two.put(f"/orders/{order_id}", json={"status": "completed"}).status_code == 200
    assert fleet.shop(2).get_order(order_id)["status"] == "completed"
    assert fleet.shop(1).request_counts["total"] == 1
    assert fleet.shop(2).request_counts["total"] == 2


def test_a_shop_is_built_on_its_first_request_and_unknown_shops_are_404(fleet: Fleet, server: FleetServer) -> None:
    assert not fleet.is_built(3)
    assert httpx.get(server.shop_url(3) + "/__woosim/health").json()["orders"] == 30
    assert fleet.is_built(3)
    assert httpx.get(f"{server.base_url}/shop/4/wp-json/").status_code == 404
    assert httpx.get(f"{server.base_url}/shop/0/wp-json/").status_code == 404
    assert httpx.get(f"{server.base_url}/wp-json/").status_code == 404


def test_a_fleet_over_https_takes_each_shop_s_keys_by_basic_auth(fleet: Fleet) -> None:
    with FleetServer(fleet, https=True) as secure:
        assert secure.shop_url(2).startswith("https://")
        with httpx.Client(verify=secure.ssl_context_for_clients(), timeout=10) as client:
            own, other = (fleet.keys(n)[0] for n in (2, 1))
            url = secure.api_url(2) + "/orders"
            assert client.get(url, auth=(own.consumer_key, own.consumer_secret)).status_code == 200
            assert client.get(url, auth=(other.consumer_key, other.consumer_secret)).status_code == 401
