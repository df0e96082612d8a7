"""The address guard (`_network`): a refused address is never connected to, whether the shop's host is a name the
resolver answers for or an IP address aiohttp would connect to without asking it; and TLS as `verify` says."""

from __future__ import annotations

import ipaddress

import pytest

from lumina.woocommerce import ShopAddressRefusedError, WooClient
from woosim import ShopServer, SimulatedShop

from .conftest import FAST_RETRY, NO_RATE_LIMIT, credentials, make_client


def not_loopback(address: str) -> bool:
    return not ipaddress.ip_address(address).is_loopback


def _guarded(server: ShopServer, shop: SimulatedShop, url: str, allowed: object) -> WooClient:
    return WooClient(url, credentials(shop.read_write_key), retry=FAST_RETRY, limits=NO_RATE_LIMIT,
                     address_allowed=allowed)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "refused"),
    [("localhost", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("127.1", "127.1")],
    ids=["name", "IPv4", "IPv6", "IPv4-short-form"],
)
async def test_a_refused_address_is_never_connected_to(
    http_server: ShopServer, shop: SimulatedShop, host: str, refused: str
) -> None:
    url = http_server.base_url.replace("127.0.0.1", host)
    shop.reset_request_counts()
    async with _guarded(http_server, shop, url, not_loopback) as woo:
        with pytest.raises(ShopAddressRefusedError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == 1  # permanent: not retried
    assert caught.value.code == "private_address"
    assert caught.value.message.startswith(f"The shop's address {host.strip('[]')} resolves to ")
    assert refused in caught.value.message
    assert caught.value.message.endswith("a private, loopback or link-local address: not connecting")
    assert shop.request_counts.get("total", 0) == 0


async def test_every_address_of_a_name_is_checked_and_an_allowed_one_connected_to(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    asked: list[str] = []

    def loopback(address: str) -> bool:
        asked.append(address)
        return ipaddress.ip_address(address).is_loopback

    url = http_server.base_url.replace("127.0.0.1", "localhost")
    shop.home_url = url  # OAuth signs the name, as WordPress' home URL
    async with _guarded(http_server, shop, url, loopback) as woo:
        page = await woo.list_orders()
    assert page.orders
    assert "127.0.0.1" in asked


@pytest.mark.parametrize("verify", [False, None], ids=["unverified", "given-context"])
async def test_tls_is_verified_as_asked(https_server: ShopServer, shop: SimulatedShop, verify: bool | None) -> None:
    """False accepts any certificate (here the test CA's, which the system does not trust); None here is the test
    CA's SSL context, used as given. True, the system's roots, refuses it: see test_faults_http."""
    async with make_client(https_server, shop.read_write_key, verify=verify) as woo:
        page = await woo.list_orders()
    assert page.orders
