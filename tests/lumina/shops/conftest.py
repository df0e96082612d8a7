from pathlib import Path

import pytest

from lumina.config import Settings
from lumina.db import Database
from tests.conftest import make_settings
from tests.lumina.auth.support import admin, member
from tests.lumina.shops.servers import closed_port_url, not_a_shop_url, old_woocommerce_url

__all__ = ["admin", "closed_port_url", "member", "not_a_shop_url", "old_woocommerce_url"]


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """The shared settings, with the politeness delay between a check's requests lifted for the local servers."""
    return make_settings(tmp_path, database.url, sync_requests_per_second=1000.0)
