"""A running service on a loopback port (the shop must reach its receiver over real HTTP), a simulated shop that
delivers webhooks to it only when told (`flush`), and a shop row linked to a family."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn

from lumina.app import create_app
from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from tests.conftest import make_settings
from tests.lumina.sync.support import Linked, add_shop
from woosim import ShopConfig, ShopServer, SimulatedShop


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def settings(tmp_path: Path, database: Database, listening_socket: socket.socket) -> Settings:
    port = listening_socket.getsockname()[1]
    return make_settings(
        tmp_path, database.url, sync_requests_per_second=1000.0, retention_days=0, public_url=f"http://127.0.0.1:{port}"
    )


@pytest.fixture
async def service(context: ServiceContext, listening_socket: socket.socket) -> AsyncIterator[ServiceContext]:
    """The app served by uvicorn on this test's event loop (it shares the test's database engine)."""
    server = uvicorn.Server(uvicorn.Config(create_app(context=context), log_level="warning", lifespan="off", ws="none"))
    task = asyncio.create_task(server.serve(sockets=[listening_socket]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.005)
    yield context
    server.should_exit = True
    await task


@pytest.fixture
def woo_shop() -> Iterator[SimulatedShop]:
    with SimulatedShop(ShopConfig(seed=11, order_count=60, days=20, timezone="Europe/Berlin")) as shop:
        shop.webhooks.delay = 3600.0  # deliveries wait for the test's `flush`
        yield shop


@pytest.fixture
def shop_server(woo_shop: SimulatedShop) -> Iterator[ShopServer]:
    with ShopServer(woo_shop) as server:
        yield server


@pytest.fixture
async def linked(service: ServiceContext, shop_server: ShopServer, woo_shop: SimulatedShop) -> Linked:
    return await add_shop(service, shop_server, woo_shop)
