"""Each way of presenting the key, against the simulated shop over real HTTP and HTTPS."""

from __future__ import annotations

import logging
import re

import pytest

from lumina.woocommerce import AuthMode, OrderQuery, WooAuthError, WooClient, WooCredentials
from lumina.woocommerce._auth import OAuthMethod
from woosim import FaultRule, ShopServer, SimulatedShop

from .conftest import FAST_RETRY, NO_RATE_LIMIT, make_client


@pytest.mark.parametrize(
    ("https", "mode", "method", "used"),
    [
        (False, AuthMode.AUTO, "HMAC-SHA256", AuthMode.OAUTH1),
        (False, AuthMode.OAUTH1, "HMAC-SHA1", AuthMode.OAUTH1),
        (False, AuthMode.OAUTH1_HEADER, "HMAC-SHA256", AuthMode.OAUTH1_HEADER),
        (True, AuthMode.AUTO, "HMAC-SHA256", AuthMode.BASIC),
        (True, AuthMode.BASIC, "HMAC-SHA256", AuthMode.BASIC),
        (True, AuthMode.QUERY, "HMAC-SHA256", AuthMode.QUERY),
        (True, AuthMode.OAUTH1, "HMAC-SHA1", AuthMode.OAUTH1),
    ],
)
async def test_each_auth_mode_lists_orders(
    shop: SimulatedShop, https: bool, mode: AuthMode, method: OAuthMethod, used: AuthMode
) -> None:
    with ShopServer(shop, https=https) as server:
        async with make_client(server, shop.read_write_key, auth_mode=mode, oauth_signature_method=method) as woo:
            page = await woo.list_orders(OrderQuery(per_page=5))
            assert woo.auth_mode is used
            assert woo.stats.requests == 1
    assert len(page.orders) == 5


async def test_wrong_secret_is_refused_at_once_with_a_hint(http_server: ShopServer, shop: SimulatedShop) -> None:
    wrong = WooCredentials(shop.read_write_key.consumer_key, "cs_" + "f" * 40)
    async with WooClient(http_server.base_url, wrong, retry=FAST_RETRY, limits=NO_RATE_LIMIT) as woo:
        with pytest.raises(WooAuthError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == 1  # permanent: no retry
    assert caught.value.status == 401
    assert caught.value.code == "woocommerce_rest_authentication_error"
    assert caught.value.hint


async def test_basic_over_https_with_a_stripped_header_hints_at_query_auth(
    https_server: ShopServer, shop: SimulatedShop
) -> None:
    shop.faults.add(FaultRule(kind="strip_authorization"))
    async with make_client(https_server, shop.read_write_key) as woo:
        with pytest.raises(WooAuthError) as caught:
            await woo.list_orders()
    assert caught.value.hint is not None
    assert "Authorization header" in caught.value.hint
    assert "AuthMode.QUERY" in caught.value.hint

    async with make_client(https_server, shop.read_write_key, auth_mode=AuthMode.QUERY) as woo:
        page = await woo.list_orders(OrderQuery(per_page=1))
    assert len(page.orders) == 1


async def test_read_only_key_reads_but_cannot_change_status(server: ShopServer, shop: SimulatedShop) -> None:
    async with make_client(server, shop.read_only_key) as woo:
        order = (await woo.list_orders(OrderQuery(per_page=1))).orders[0]
        with pytest.raises(WooAuthError) as caught:
            await woo.update_order_status(order.id, "cancelled" if order.status != "cancelled" else "completed")
    assert caught.value.hint is not None
    assert "read-only" in caught.value.hint
    assert shop.get_order(order.id)["status"] == order.status


async def test_a_shop_clock_an_hour_off_is_followed(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.clock.advance(3600)  # OAuth timestamps are only accepted within 15 minutes of the shop's clock
    async with make_client(http_server, shop.read_write_key) as woo:
        page = await woo.list_orders(OrderQuery(per_page=1))
        assert len(page.orders) == 1
        assert woo.stats.requests == 2  # refused once ("Invalid timestamp"), then signed on the shop's time
        await woo.list_orders(OrderQuery(per_page=1))
        assert woo.stats.requests == 3


async def test_credentials_never_reach_logs_or_errors(shop: SimulatedShop, caplog: pytest.LogCaptureFixture) -> None:
    key = shop.read_write_key
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    for https, mode in ((False, AuthMode.OAUTH1), (True, AuthMode.QUERY), (True, AuthMode.BASIC)):
        with ShopServer(shop, https=https) as server:
            shop.faults.add(FaultRule(kind="status", status=503, times=1))
            async with make_client(server, key, auth_mode=mode) as woo:
                await woo.list_orders(OrderQuery(per_page=2))
                with pytest.raises(Exception) as caught:  # noqa: PT011 - the text of any error is what matters
                    await woo.get_order(999_999)
                shown += [str(caught.value), repr(caught.value), repr(woo)]
            wrong = WooCredentials(key.consumer_key, "cs_wrong_secret_value")
            async with WooClient(
                server.base_url, wrong, auth_mode=mode, verify=server.ssl_context_for_clients(), retry=FAST_RETRY
            ) as woo:
                with pytest.raises(WooAuthError) as refused:
                    await woo.list_orders()
                shown.append(str(refused.value))
    text = caplog.text + "\n".join(shown)
    assert "retry 1 of 3" in text  # the logs were captured at all
    for secret in (key.consumer_key, key.consumer_secret, "cs_wrong_secret_value"):
        assert secret not in text
    assert re.findall(r"oauth_signature=([^&\s>'\"]*)", text) == ["[redacted]"] * text.count("oauth_signature=")
