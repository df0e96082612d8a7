from collections.abc import Iterator
from pathlib import Path

import pytest

from lumina.config import Settings
from lumina.db import Database
from tests.conftest import make_settings
from woosim import ShopConfig, ShopServer, SimulatedShop


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """The shared settings, without the politeness delay between requests (the shop is local)."""
    return make_settings(tmp_path, database.url, sync_requests_per_second=1000.0, retention_days=0)


@pytest.fixture
def woo_shop() -> Iterator[SimulatedShop]:
    with SimulatedShop(ShopConfig(seed=7, order_count=400, days=60, timezone="Pacific/Kiritimati")) as shop:
        yield shop


@pytest.fixture
def shop_server(woo_shop: SimulatedShop) -> Iterator[ShopServer]:
    with ShopServer(woo_shop) as server:
        yield server
