"""Authentication as the real shop does it: HTTPS-only Basic and query keys, OAuth 1.0a, read-only keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256

from tests.woosim.conftest import make_shop
from tests.woosim.helpers import sign
from woosim import ApiKey, FaultRule, ShopServer, SimulatedShop


def _basic(key: ApiKey, secret: str | None = None) -> dict[str, str]:
    raw = f"{key.consumer_key}:{secret or key.consumer_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def tls_only() -> Iterator[tuple[SimulatedShop, ShopServer, httpx.Client]]:
    """A shop served over HTTPS only (its home URL is the HTTPS one)."""
    with (
        make_shop() as shop,
        ShopServer(shop, https=True) as server,
        httpx.Client(base_url=server.api_url, verify=server.ssl_context_for_clients(), timeout=10) as client,
    ):
        yield shop, server, client


def test_no_credentials_is_cannot_view(server: ShopServer) -> None:
    response = httpx.get(server.api_url + "/orders")
    assert (response.status_code, response.json()["code"]) == (401, "woocommerce_rest_cannot_view")
    assert response.headers["vary"] == "Origin"


def test_basic_and_query_keys_only_count_over_https(
    shop: SimulatedShop, server: ShopServer, tls_only: tuple[SimulatedShop, ShopServer, httpx.Client]
) -> None:
    plain_basic = httpx.get(server.api_url + "/orders", headers=_basic(shop.read_write_key))
    assert plain_basic.json()["code"] == "woocommerce_rest_cannot_view"
    key = shop.read_write_key
    plain_query = httpx.get(
        server.api_url + "/orders", params={"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}
    )
    assert plain_query.json()["code"] == "woocommerce_rest_cannot_view"
    tls_shop, _server, client = tls_only
    tls_key = tls_shop.read_write_key
    assert client.get("/orders", headers=_basic(tls_key)).status_code == 200
    query: dict[str, str | int] = {
        "consumer_key": tls_key.consumer_key,
        "consumer_secret": tls_key.consumer_secret,
        "per_page": 2,
    }
    listed = client.get("/orders", params=query)
    assert listed.status_code == 200
    assert "consumer_secret=" in listed.headers["link"]  # echoed in the Link header, as the real store does
    wrong = client.get("/orders", headers=_basic(tls_key, "cs_wrong"))
    assert (wrong.status_code, wrong.json()["message"]) == (401, "Consumer secret is invalid.")
    unknown = client.get("/orders", headers=_basic(ApiKey("ck_nobody", "cs_nobody")))
    assert unknown.json()["code"] == "woocommerce_rest_cannot_view"
    array = client.get("/orders", params={"status[]": ["pending", "failed"]}, headers=_basic(tls_key))
    assert {o["status"] for o in array.json()} <= {"pending", "failed"}


def test_oauth_over_https_signs_the_https_url(tls_only: tuple[SimulatedShop, ShopServer, httpx.Client]) -> None:
    shop, server, client = tls_only
    url, _headers = sign("GET", server.api_url + "/orders?per_page=2", shop.read_write_key, shop.clock.epoch())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("in_header", [False, True])
@pytest.mark.parametrize("method", ["HMAC-SHA1", SIGNATURE_HMAC_SHA256])
def test_oauth_query_or_header_sha1_or_sha256(
    shop: SimulatedShop, server: ShopServer, method: str, in_header: bool
) -> None:
    url, headers = sign(
        "GET",
        server.api_url + "/orders?per_page=2&after=2026-11-01T00:00:00",
        shop.read_write_key,
        shop.clock.epoch(),
        signature_method=method,
        in_header=in_header,
    )
    response = httpx.get(url, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timestamp_shift": -3600}, "Invalid timestamp."),
        ({"timestamp_shift": 1200}, "Invalid timestamp."),
        ({"secret": "cs_wrong"}, "Invalid signature - provided signature does not match."),
        ({"consumer_key": "ck_unknown"}, "Consumer key is invalid."),
    ],
)
def test_oauth_refusals(shop: SimulatedShop, server: ShopServer, change: dict[str, object], message: str) -> None:
    key = ApiKey(
        str(change.get("consumer_key", shop.read_write_key.consumer_key)),
        str(change.get("secret", shop.read_write_key.consumer_secret)),
    )
    timestamp = shop.clock.epoch() + int(str(change.get("timestamp_shift", 0)))
    url, _ = sign("GET", server.api_url + "/orders", key, timestamp)
    response = httpx.get(url)
    assert (response.status_code, response.json()["message"]) == (401, message)


def test_a_nonce_is_refused_the_second_time(shop: SimulatedShop, server: ShopServer) -> None:
    url, _ = sign("GET", server.api_url + "/orders", shop.read_write_key, shop.clock.epoch(), nonce="once")
    assert httpx.get(url).status_code == 200
    replay = httpx.get(url)
    assert (replay.status_code, replay.json()["message"]) == (401, "Invalid nonce - nonce has already been used.")


def test_following_the_link_header_verbatim_fails(shop: SimulatedShop, server: ShopServer) -> None:
    url, _ = sign("GET", server.api_url + "/orders?per_page=5", shop.read_write_key, shop.clock.epoch())
    first = httpx.get(url)
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    assert httpx.get(next_url).status_code == 401


def test_a_generic_signature_of_status_brackets_is_refused(shop: SimulatedShop, server: ShopServer) -> None:
    url, _ = sign("GET", server.api_url + "/orders?status%5B%5D=pending", shop.read_write_key, shop.clock.epoch())
    response = httpx.get(url)
    assert response.json()["message"] == "Invalid signature - provided signature does not match."


def _sign_wc_way(method: str, url: str, params: list[tuple[str, str]], key: ApiKey, timestamp: int) -> str:
    """WooCommerce's base string: PHP array parameters under their indexed names (status[0])."""
    oauth = [
        ("oauth_consumer_key", key.consumer_key),
        ("oauth_nonce", uuid.uuid4().hex),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(timestamp)),
    ]
    signed = sorted([*params, *oauth])
    pairs = "&".join(f"{quote(k, safe='')}={quote(v, safe='-_.~')}" for k, v in signed)
    base = "&".join([method, quote(url, safe=""), quote(pairs, safe="")])
    digest = hmac.new(f"{key.consumer_secret}&".encode(), base.encode(), hashlib.sha1).digest()
    query = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in [*params, *oauth])
    return f"{url}?{query}&oauth_signature={quote(base64.b64encode(digest).decode(), safe='')}"


def test_indexed_array_names_sign_correctly(shop: SimulatedShop, server: ShopServer) -> None:
    url = _sign_wc_way(
        "GET", server.api_url + "/orders", [("status[0]", "pending"), ("status[1]", "failed")],
        shop.read_write_key, shop.clock.epoch(),
    )  # fmt: skip
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    assert {o["status"] for o in response.json()} <= {"pending", "failed"}


def test_read_only_key_reads_but_may_not_write(shop: SimulatedShop, server: ShopServer) -> None:
    key = shop.read_only_key
    order_id = shop.order_ids()[0]
    url, _ = sign("GET", server.api_url + "/orders", key, shop.clock.epoch())
    assert httpx.get(url).status_code == 200
    url, _ = sign("OPTIONS", server.api_url + "/orders", key, shop.clock.epoch())
    assert httpx.options(url).status_code == 200
    before = shop.get_order(order_id)
    url, _ = sign("PUT", f"{server.api_url}/orders/{order_id}", key, shop.clock.epoch())
    refused = httpx.put(url, json={"status": "cancelled"})
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "The API key provided does not have write permissions.",
        "data": {"status": 401},
    }
    assert shop.get_order(order_id) == before


def test_a_revoked_key_is_refused_from_then_on(shop: SimulatedShop, server: ShopServer) -> None:
    before, _ = sign("GET", server.api_url + "/orders", shop.read_only_key, shop.clock.epoch())
    assert httpx.get(before).status_code == 200

    shop.revoke_key(shop.read_only_key)

    after, _ = sign("GET", server.api_url + "/orders", shop.read_only_key, shop.clock.epoch())
    other, _ = sign("GET", server.api_url + "/orders", shop.read_write_key, shop.clock.epoch())
    refused = httpx.get(after)
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_authentication_error"
    assert httpx.get(other).status_code == 200


def test_a_stripped_authorization_header_looks_anonymous(
    tls_only: tuple[SimulatedShop, ShopServer, httpx.Client],
) -> None:
    shop, _server, client = tls_only
    shop.faults.add(FaultRule(kind="strip_authorization", times=1))
    stripped = client.get("/orders", headers=_basic(shop.read_write_key))
    assert stripped.json()["code"] == "woocommerce_rest_cannot_view"
    assert client.get("/orders", headers=_basic(shop.read_write_key)).status_code == 200


def test_rest_route_urls_are_never_authenticated(shop: SimulatedShop, server: ShopServer) -> None:
    url, _ = sign("GET", server.base_url + "/?rest_route=/wc/v3/orders", shop.read_write_key, shop.clock.epoch())
    assert httpx.get(url).json()["code"] == "woocommerce_rest_cannot_view"
