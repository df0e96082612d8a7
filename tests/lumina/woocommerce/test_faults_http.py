"""Each fault kind of the simulated shop: transient ones retried with backoff, permanent ones raised at once."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from lumina.woocommerce import (
    ClientLimits,
    OrderQuery,
    RetryPolicy,
    ShopUnreachableError,
    WooAuthError,
    WooClient,
    WooCredentials,
    WooNotFoundError,
    WooPermanentError,
    WooTransientError,
)
from woosim import FaultRule, ShopServer, SimulatedShop

from .conftest import FAST_RETRY, NO_RATE_LIMIT, make_client

LIST = "GET /wp-json/wc/v3/orders"
# A hung request is given up after a second (the hang lasts far longer); the shop's real answers come well within it,
# even on a loaded machine.
SHORT_TIMEOUT = ClientLimits(requests_per_second=None, timeout=1.0, connect_timeout=2.0)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 502},
        {"kind": "status", "status": 504},
        {"kind": "status", "status": 429, "retry_after": 1},
        {"kind": "captcha"},
        {"kind": "truncated_json"},
        {"kind": "timeout", "latency": 60.0},
    ],
    ids=lambda f: "-".join(str(v) for k, v in f.items() if k in ("kind", "status")),
)
async def test_transient_faults_are_retried_until_the_shop_answers(
    server: ShopServer, shop: SimulatedShop, fault: dict[str, Any]
) -> None:
    shop.faults.add(FaultRule(**fault, times=2, match=LIST))
    limits = SHORT_TIMEOUT if fault["kind"] == "timeout" else NO_RATE_LIMIT
    async with make_client(server, shop.read_write_key, limits=limits) as woo:
        page = await woo.list_orders(OrderQuery(per_page=3))
        assert len(page.orders) == 3
        assert woo.stats.retries == 2
        assert woo.stats.requests == 3


async def test_a_fault_that_does_not_pass_gives_up_with_a_transient_error(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    shop.faults.add(FaultRule(kind="captcha", match=LIST))
    async with make_client(http_server, shop.read_write_key) as woo:
        with pytest.raises(WooTransientError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == FAST_RETRY.attempts
    assert "HTML page instead of JSON" in str(caught.value)
    assert f"gave up after {FAST_RETRY.attempts} attempts" in str(caught.value)
    assert caught.value.hint is not None


async def test_retry_after_is_honoured(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="status", status=429, retry_after=1, times=1, match=LIST))
    patient = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.005, max_retry_after=10.0)
    async with make_client(http_server, shop.read_write_key, retry=patient) as woo:
        await woo.list_orders(OrderQuery(per_page=1))
        assert woo.stats.retries == 1
        assert woo.stats.retry_wait_seconds >= 1.0


async def test_a_huge_retry_after_is_capped_and_reported(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="status", status=503, retry_after=3600, match=LIST))
    async with make_client(http_server, shop.read_write_key) as woo:
        with pytest.raises(WooTransientError) as caught:
            await woo.list_orders(OrderQuery(per_page=1))
        assert woo.stats.retry_wait_seconds <= FAST_RETRY.attempts * FAST_RETRY.max_retry_after
    assert caught.value.retry_after == 3600  # for the caller's own back-off


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, WooPermanentError), (401, WooAuthError), (403, WooAuthError), (404, WooNotFoundError)],
)
async def test_permanent_statuses_fail_at_once(
    http_server: ShopServer, shop: SimulatedShop, status: int, error: type[WooPermanentError]
) -> None:
    shop.faults.add(FaultRule(kind="status", status=status, match=LIST))
    async with make_client(http_server, shop.read_write_key) as woo:
        with pytest.raises(error) as caught:
            await woo.list_orders()
        assert woo.stats.requests == 1
        assert woo.stats.retries == 0
    assert caught.value.status == status
    assert caught.value.hint


async def test_a_missing_order_is_not_found(client: WooClient) -> None:
    with pytest.raises(WooNotFoundError) as caught:
        await client.get_order(999_999)
    assert caught.value.code == "woocommerce_rest_shop_order_invalid_id"
    assert client.stats.requests == 1


async def test_a_status_change_on_a_missing_order_is_not_found(client: WooClient) -> None:
    with pytest.raises(WooNotFoundError) as caught:
        await client.update_order_status(999_999, "completed")
    assert caught.value.status == 400  # WooCommerce answers a PUT on a missing id with 400, not 404
    assert caught.value.code == "woocommerce_rest_shop_order_invalid_id"


async def test_an_invalid_status_is_refused_with_the_shops_reason(client: WooClient) -> None:
    order = (await client.list_orders(OrderQuery(per_page=1))).orders[0]
    with pytest.raises(WooPermanentError) as caught:
        await client.update_order_status(order.id, "shipped")
    assert caught.value.code == "rest_invalid_param"
    assert caught.value.hint is not None
    assert "status" in caught.value.hint
    assert client.stats.requests == 2


async def test_latency_within_the_timeout_is_just_slow(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="latency", latency=0.05, times=3, match=LIST))
    async with make_client(http_server, shop.read_write_key) as woo:
        await woo.list_orders(OrderQuery(per_page=1))
        assert woo.stats.retries == 0


async def test_an_unreachable_shop(closed_port: int) -> None:
    creds = WooCredentials("ck_x", "cs_y")
    async with WooClient(f"http://127.0.0.1:{closed_port}", creds, retry=FAST_RETRY, limits=NO_RATE_LIMIT) as woo:
        with pytest.raises(ShopUnreachableError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == FAST_RETRY.attempts
    assert "Could not connect" in str(caught.value)


async def test_a_connection_not_accepted_in_time() -> None:
    """A listening socket whose queue is full drops new connections' SYNs, as a firewall dropping packets would:
    the connection attempt gives up after `connect_timeout`, and the error says so."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        port = listening.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        limits = ClientLimits(requests_per_second=None, timeout=5.0, connect_timeout=0.3)
        try:
            async with WooClient(f"http://127.0.0.1:{port}", WooCredentials("ck_x", "cs_y"), retry=FAST_RETRY,
                                 limits=limits) as woo:  # fmt: skip
                with pytest.raises(ShopUnreachableError) as caught:
                    await woo.list_orders(OrderQuery(per_page=1))
        finally:
            for filler in fillers:
                filler.close()
    assert caught.value.message.startswith("The shop did not accept a connection in time")


async def test_an_untrusted_certificate_is_not_retried(https_server: ShopServer, shop: SimulatedShop) -> None:
    async with make_client(https_server, shop.read_write_key, verify=True) as woo:
        with pytest.raises(ShopUnreachableError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == 1
    assert "certificate" in str(caught.value)


async def _an_order_to_complete(woo: WooClient) -> int:
    orders = (await woo.list_orders(OrderQuery(per_page=20))).orders
    return next(o.id for o in orders if o.status != "completed")


async def test_a_status_write_whose_answer_was_lost_is_reread_not_resent(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    """The PUT was applied but its answer cut short: the re-read shows it, so it is not sent again."""
    async with make_client(http_server, shop.read_write_key) as woo:
        order_id = await _an_order_to_complete(woo)
        shop.faults.add(FaultRule(kind="truncated_json", times=1, match=f"PUT /wp-json/wc/v3/orders/{order_id}"))
        before = dict(shop.request_counts)
        updated = await woo.update_order_status(order_id, "completed")
    after = shop.request_counts
    assert updated.status == "completed"
    assert after["put_order"] - before.get("put_order", 0) == 1
    assert after["get_order"] - before.get("get_order", 0) == 1


async def test_a_status_write_that_timed_out_is_reread_then_resent(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    """The PUT hung and was never applied: the re-read shows the old status, so it is sent once more."""
    async with make_client(http_server, shop.read_write_key, limits=SHORT_TIMEOUT) as woo:
        order_id = await _an_order_to_complete(woo)
        shop.faults.add(FaultRule(kind="timeout", latency=60.0, times=1, match=f"PUT /wp-json/wc/v3/orders/{order_id}"))
        before = dict(shop.request_counts)
        updated = await woo.update_order_status(order_id, "completed")
    after = shop.request_counts
    assert updated.status == "completed"
    assert shop.get_order(order_id)["status"] == "completed"
    assert after["put_order"] - before.get("put_order", 0) == 2
    assert after["get_order"] - before.get("get_order", 0) == 1


async def test_each_request_ends_one_way_ok_rate_limited_retried_or_failed(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    """The outcomes the sync metrics count: a 429 and a 503 retried, then a page; then a 404 that is not retried."""
    quick = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.005, max_retry_after=0.01)
    shop.faults.add(FaultRule(kind="status", status=429, retry_after=0, times=1, match=LIST))
    shop.faults.add(FaultRule(kind="status", status=503, times=1, match=LIST, skip=1))
    async with make_client(http_server, shop.read_write_key, retry=quick) as woo:
        await woo.list_orders(OrderQuery(per_page=1))
        with pytest.raises(WooNotFoundError):
            await woo.get_order(999_999_999)
        stats = woo.stats
    assert (stats.requests, stats.answered, stats.rate_limited, stats.failed) == (4, 1, 1, 1)
    assert stats.requests - stats.answered - stats.rate_limited - stats.failed == 1  # the 503, retried
