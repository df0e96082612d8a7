"""Fixtures: a small generated shop with a frozen clock, served over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.woosim.helpers import OAuth1
from woosim import ShopClock, ShopConfig, ShopServer, SimulatedShop

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


def make_shop(**overrides: object) -> SimulatedShop:
    settings: dict[str, object] = {
        "seed": 7,
        "order_count": 400,
        "days": 30,
        "timezone": "America/New_York",
        "end": NOW,
        "webhook_delay": 0.05,
    }
    settings.update(overrides)
    clock = ShopClock()
    clock.freeze(NOW)
    return SimulatedShop(ShopConfig(**settings), clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def shop() -> Iterator[SimulatedShop]:
    with make_shop() as simulated:
        yield simulated


@pytest.fixture
def server(shop: SimulatedShop) -> Iterator[ShopServer]:
    with ShopServer(shop) as running:
        yield running


@pytest.fixture
def api(shop: SimulatedShop, server: ShopServer) -> Iterator[httpx.Client]:
    """A client of the WooCommerce API, signing with the read/write key (OAuth 1.0a over HTTP)."""
    auth = OAuth1(shop.read_write_key, shop.clock.time)
    with httpx.Client(base_url=server.api_url, auth=auth, timeout=10) as client:
        yield client
