"""build_client turns a stored shop into a client with the operator's limits, TLS choice and auth mode."""

from __future__ import annotations

from pathlib import Path

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import ShopConnection
from lumina.shops.connect import build_client
from lumina.woocommerce import AuthMode
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.lumina.auth.support import context_with

KEY = "ck_connect-key-DDDD4444"
SECRET = "cs_connect-secret-EEEE5555"


def stored_shop(url: str, auth_mode: str = "auto") -> ShopConnection:
    box = SecretBox(TEST_ENCRYPTION_KEY)
    return ShopConnection(
        id=1,
        name="Shop",
        url=url,
        consumer_key_encrypted=box.encrypt(KEY),
        consumer_secret_encrypted=box.encrypt(SECRET),
        auth_mode=auth_mode,
        verify_tls=False,
    )


async def test_settings_and_the_row_shape_the_client(tmp_path: Path, database: Database) -> None:
    context = context_with(tmp_path, database, sync_max_concurrency=7, sync_requests_per_second=2.5)

    async with build_client(context.settings, context.secret_box, stored_shop("http://shop.example/")) as client:
        assert client.base_url == "http://shop.example"
        assert client.auth_mode is AuthMode.OAUTH1  # AUTO over plain HTTP
        assert client.limits.max_concurrency == 7
        assert client.limits.requests_per_second == 2.5
        assert KEY not in repr(client)
        assert SECRET not in repr(client)

    https = stored_shop("https://shop.example", auth_mode="query")
    async with build_client(context.settings, context.secret_box, https) as client:
        assert client.auth_mode is AuthMode.QUERY
