"""The default shop from WC_* is checked at start-up, in the background: start-up does not wait for the shop, and the
result is kept on the row (`lumina shops list`, the admin API), with a read-only key or TLS turned off logged."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from lumina import lifecycle
from lumina.cli.shops import describe_shop
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.logging import configure_logging
from lumina.models import ShopConnection
from lumina.shops import repository, service
from lumina.shops.schemas import ShopOut
from tests.lumina.auth.support import context_with
from tests.lumina.shops.servers import serve
from woosim import ShopConfig, ShopServer, SimulatedShop


class GatedSite:
    """A web site that is not a shop, whose first answer waits until the test opens the gate."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.gate = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.arrived.set()
        await asyncio.to_thread(self.gate.wait, 60)
        await HTMLResponse("<html>Just a blog</html>", status_code=404)(scope, receive, send)


@pytest.fixture
def gated() -> GatedSite:
    return GatedSite()


@pytest.fixture
def gated_url(gated: GatedSite) -> Iterator[str]:
    yield from serve(gated)
    gated.gate.set()


@pytest.fixture
async def read_only_shop() -> AsyncIterator[ShopServer]:
    async with ShopServer(SimulatedShop(ShopConfig(seed=4, order_count=5))) as server:
        yield server


def env(tmp_path: Path, database: Database, url: str, key: str, secret: str, **more: object) -> ServiceContext:
    return context_with(
        tmp_path, database, wc_store_url=url, wc_consumer_key=key, wc_consumer_secret=secret,
        sync_requests_per_second=1000.0, **more,
    )  # fmt: skip


async def default_shop(context: ServiceContext) -> ShopConnection:
    async with context.database.transaction() as session:
        shop = await repository.default_shop(session)
    assert shop is not None
    return shop


async def test_start_up_does_not_wait_for_the_check_and_its_failure_is_kept(
    tmp_path: Path, database: Database, gated: GatedSite, gated_url: str
) -> None:
    context = env(tmp_path, database, gated_url, "ck_" + "1" * 40, "cs_" + "2" * 40)
    await lifecycle.start(context)
    try:
        check: asyncio.Task[None] = context.components["default_shop_check"]
        await asyncio.to_thread(gated.arrived.wait, 30)
        assert not check.done()  # the service started while the shop still holds the check's first request
        assert (await default_shop(context)).check_error is None
        gated.gate.set()
        await check
        shop = await default_shop(context)
        async with context.database.transaction() as session:
            shown = ShopOut.of(await service.shop_summary(session, context, shop))
    finally:
        await lifecycle.stop(context)

    assert shop.check_error is not None
    assert "WordPress" in shop.check_error
    assert shop.check_failed_at is not None
    assert shown.check_error == shop.check_error
    assert any(line.strip().startswith("Check failed") for line in describe_shop(shop))


async def test_a_read_only_key_is_found_kept_and_logged_and_http_is_never_tls_verified(
    tmp_path: Path, database: Database, read_only_shop: ShopServer, capsys: pytest.CaptureFixture[str]
) -> None:
    key = read_only_shop.shop.read_only_key
    assert key is not None
    context = env(tmp_path, database, read_only_shop.base_url, key.consumer_key, key.consumer_secret)
    configure_logging("INFO", "json")
    await lifecycle.start(context)
    try:
        await context.components["default_shop_check"]
        shop = await default_shop(context)
        async with context.database.transaction() as session:
            shown = ShopOut.of(await service.shop_summary(session, context, shop))
    finally:
        await lifecycle.stop(context)

    assert shop.checked_at is not None
    assert shop.can_write is False
    assert shop.check_error is None
    assert "the default shop's API key is read-only" in capsys.readouterr().err
    lines = describe_shop(shop)
    assert any("TLS verified: no (http://" in line for line in lines)
    assert any("read-only key" in line for line in lines)
    assert shown.tls_verified is False


async def test_tls_verification_turned_off_is_logged_as_a_warning(
    tmp_path: Path, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    context = env(tmp_path, database, "https://127.0.0.1:1", "ck_" + "3" * 40, "cs_" + "4" * 40, wc_verify_tls=False)
    configure_logging("INFO", "json")
    await lifecycle.start(context)
    await lifecycle.stop(context)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert any(line["level"] == "warning" and "TLS verification is off" in line["event"] for line in lines)
