"""A running simulated shop over real HTTP and HTTPS on 127.0.0.1, and clients pointed at it.

One server per test: the first server to start on a shop becomes its WordPress home URL, and OAuth signatures
are checked against the home URL, just as on a real shop.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from lumina.woocommerce import AuthMode, ClientLimits, RetryPolicy, WooClient, WooCredentials
from lumina.woocommerce._auth import OAuthMethod
from woosim import ApiKey, ShopConfig, ShopServer, SimulatedShop

# Retries without waiting: the behaviour is the same, the suite stays fast.
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.005, max_retry_after=0.005)
NO_RATE_LIMIT = ClientLimits(max_concurrency=4, requests_per_second=None, timeout=5.0, connect_timeout=2.0)
ORDER_COUNT = 40


def credentials(key: ApiKey) -> WooCredentials:
    return WooCredentials(key.consumer_key, key.consumer_secret)


def make_client(
    server: ShopServer,
    key: ApiKey,
    *,
    auth_mode: AuthMode = AuthMode.AUTO,
    retry: RetryPolicy = FAST_RETRY,
    limits: ClientLimits = NO_RATE_LIMIT,
    verify: bool | None = None,
    oauth_signature_method: OAuthMethod = "HMAC-SHA256",
    base_url: str | None = None,
) -> WooClient:
    """A client for `server`, trusting its test CA unless `verify` says otherwise."""
    return WooClient(
        base_url or server.base_url,
        credentials(key),
        auth_mode=auth_mode,
        retry=retry,
        limits=limits,
        verify=server.ssl_context_for_clients() if verify is None else verify,
        oauth_signature_method=oauth_signature_method,
    )


@pytest.fixture
def shop() -> Iterator[SimulatedShop]:
    with SimulatedShop(ShopConfig(seed=1, order_count=ORDER_COUNT, days=60, timezone="America/New_York")) as shop:
        yield shop


@pytest.fixture
def http_server(shop: SimulatedShop) -> Iterator[ShopServer]:
    with ShopServer(shop, https=False, port=0) as server:
        yield server


@pytest.fixture
def https_server(shop: SimulatedShop) -> Iterator[ShopServer]:
    with ShopServer(shop, https=True, port=0) as server:
        yield server


@pytest.fixture(params=["http", "https"])
def server(request: pytest.FixtureRequest, shop: SimulatedShop) -> Iterator[ShopServer]:
    """The simulated shop over plain HTTP, then over HTTPS (the same test runs twice)."""
    with ShopServer(shop, https=request.param == "https", port=0) as running:
        yield running


@pytest.fixture
async def client(server: ShopServer, shop: SimulatedShop) -> AsyncIterator[WooClient]:
    """A read/write client over HTTP (OAuth 1.0a) and over HTTPS (Basic)."""
    async with make_client(server, shop.read_write_key) as woo:
        yield woo


@pytest.fixture
async def http_client(http_server: ShopServer, shop: SimulatedShop) -> AsyncIterator[WooClient]:
    async with make_client(http_server, shop.read_write_key) as woo:
        yield woo


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
