"""The connection check an operator sees when adding a shop: each problem a distinct, clear error."""

from __future__ import annotations

import pytest

from lumina.woocommerce import (
    AuthMode,
    NotWooCommerceError,
    ShopTooOldError,
    ShopUnreachableError,
    WooAuthError,
    WooClient,
    WooCredentials,
)
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop

from .conftest import FAST_RETRY, NO_RATE_LIMIT, make_client


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_good_read_write_key(
    scheme: str, http_server: ShopServer, https_server: ShopServer, shop: SimulatedShop
) -> None:
    server = https_server if scheme == "https" else http_server
    async with make_client(server, shop.read_write_key) as woo:
        info = await woo.check_connection(require_write=True)
    assert info.can_write is True
    assert info.supports_modified_after is True
    assert info.supports_dates_are_gmt is True
    assert info.timezone == "America/New_York"
    assert info.auth_mode is (AuthMode.BASIC if server.https else AuthMode.OAUTH1)
    assert "trash" in info.listable_statuses
    assert "completed" in info.order_statuses
    assert "trash" not in info.order_statuses
    assert info.shop_time is not None
    assert info.warnings == ()


async def test_a_read_only_key_is_reported_without_changing_data(http_server: ShopServer, shop: SimulatedShop) -> None:
    before = shop.orders_snapshot()
    async with make_client(http_server, shop.read_only_key) as woo:
        info = await woo.check_connection()
        with pytest.raises(WooAuthError, match="may read orders but not change them"):
            await woo.check_connection(require_write=True)
    assert info.can_write is False
    assert any("read-only" in w for w in info.warnings)
    assert shop.orders_snapshot() == before


async def test_a_bad_key(server: ShopServer) -> None:
    verify = server.ssl_context_for_clients()
    creds = WooCredentials("ck_" + "0" * 40, "cs_" + "0" * 40)
    async with WooClient(server.base_url, creds, verify=verify, retry=FAST_RETRY, limits=NO_RATE_LIMIT) as woo:
        with pytest.raises(WooAuthError) as caught:
            await woo.check_connection()
    assert caught.value.status == 401
    assert caught.value.hint


async def test_not_a_woocommerce_site(http_server: ShopServer, shop: SimulatedShop) -> None:
    key = shop.read_write_key
    creds = WooCredentials(key.consumer_key, key.consumer_secret)
    async with WooClient(http_server.base_url + "/not-a-shop", creds, retry=FAST_RETRY, limits=NO_RATE_LIMIT) as woo:
        with pytest.raises(NotWooCommerceError) as caught:
            await woo.check_connection()
    assert caught.value.hint


async def test_an_unreachable_shop(closed_port: int) -> None:
    creds = WooCredentials("ck_x", "cs_y")
    async with WooClient(f"https://127.0.0.1:{closed_port}", creds, retry=FAST_RETRY, limits=NO_RATE_LIMIT) as woo:
        with pytest.raises(ShopUnreachableError) as caught:
            await woo.check_connection()
    assert "Could not connect" in str(caught.value)


async def test_too_old_for_modified_after() -> None:
    """A shop whose orders were last saved by WooCommerce 5.6 and that will not describe its API (OPTIONS
    blocked by the host): the version decides, and 5.6 predates `modified_after` (5.8)."""
    with SimulatedShop(ShopConfig(seed=2, order_count=5, wc_version="5.6.0")) as old, ShopServer(old) as server:
        old.faults.add(FaultRule(kind="status", status=405, match="OPTIONS /wp-json/wc/v3/orders"))
        async with make_client(server, old.read_write_key) as woo:
            with pytest.raises(ShopTooOldError) as caught:
                await woo.check_connection()
            info = await woo.check_connection(require_modified_after=False)
    assert "5.8" in str(caught.value)
    assert "5.6.0" in str(caught.value)
    assert info.supports_modified_after is False
    assert info.wc_version == "5.6.0"
    assert any("OPTIONS" in w for w in info.warnings)


async def test_a_current_shop_that_hides_its_schema_is_judged_by_version(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    shop.faults.add(FaultRule(kind="status", status=405, match="OPTIONS /wp-json/wc/v3/orders"))
    async with make_client(http_server, shop.read_write_key) as woo:
        info = await woo.check_connection()
    assert info.supports_modified_after is True
    assert "trash" in info.listable_statuses


async def test_a_site_without_pretty_permalinks(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="status", status=404, match="GET /wp-json/", times=1))
    async with make_client(http_server, shop.read_write_key) as woo:
        with pytest.raises(NotWooCommerceError) as caught:
            await woo.check_connection()
    assert caught.value.hint is not None
    assert "Permalinks" in caught.value.hint


async def test_a_shop_url_other_than_the_home_url_is_named(http_server: ShopServer, shop: SimulatedShop) -> None:
    """WordPress' home is another address (say www. or https): OAuth signatures made for ours fail there."""
    shop.home_url = "http://localhost:8080"
    async with make_client(http_server, shop.read_write_key) as woo:
        with pytest.raises(WooAuthError) as caught:
            await woo.check_connection()
    assert caught.value.hint is not None
    assert "http://localhost:8080" in caught.value.hint
