"""Adding and checking shops against the simulated WooCommerce shop over real HTTP on loopback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.logging import configure_logging
from lumina.models import ShopConnection
from lumina.shops.connect import build_client
from tests.lumina.auth.support import SignedIn
from woosim import ShopConfig, ShopServer, SimulatedShop
from woosim.config import ApiKey

SHOPS = "/api/v1/admin/shops"
# Not in the hex form the log redactor recognises, so a leak would show.
READ_WRITE = ApiKey("ck_Woosim-Rw-Key-Glorp-1234", "cs_Woosim-Rw-Secret-Blarg-1234", "read_write")
READ_ONLY = ApiKey("ck_Woosim-Ro-Key-Snark-5678", "cs_Woosim-Ro-Secret-Boojum-5678", "read")
SECRETS = [READ_WRITE.consumer_key, READ_WRITE.consumer_secret, READ_ONLY.consumer_key, READ_ONLY.consumer_secret]


@pytest.fixture(scope="module")
def shop_url() -> Iterator[str]:
    config = ShopConfig(
        seed=1, order_count=50, timezone="Europe/Berlin", read_write_key=READ_WRITE, read_only_key=READ_ONLY
    )
    with ShopServer(SimulatedShop(config), https=False) as server:
        yield server.base_url


def body(url: str, key: ApiKey = READ_WRITE, **changes: object) -> dict[str, object]:
    return {
        "name": "Sim",
        "url": url,
        "consumerKey": key.consumer_key,
        "consumerSecret": key.consumer_secret,
        **changes,
    }


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[3:] not in text


async def test_a_good_key_is_checked_and_what_was_found_is_kept(
    client: httpx.AsyncClient, admin: SignedIn, shop_url: str
) -> None:
    response = await client.post(SHOPS, json=body(shop_url), headers=admin.headers)

    assert response.status_code == 201, response.text
    shop = response.json()["shop"]
    assert shop["wcVersion"] == "10.2.4"
    assert shop["timezone"] == "Europe/Berlin"
    assert shop["supportsModifiedAfter"] is True
    assert shop["canWrite"] is True
    assert "completed" in shop["orderStatuses"]
    assert shop["checkedAt"] is not None
    assert response.json()["check"]["authMode"] == "oauth1"  # plain HTTP: OAuth 1.0a signatures
    assert_no_secret(response.text)


async def test_a_stored_shop_gives_a_working_client(
    client: httpx.AsyncClient, admin: SignedIn, shop_url: str, context: ServiceContext, database: Database
) -> None:
    shop_id = (await client.post(SHOPS, json=body(shop_url), headers=admin.headers)).json()["shop"]["id"]
    async with database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
    assert shop is not None

    async with build_client(context.settings, context.secret_box, shop) as woo:
        page = await woo.list_orders()

    assert len(page) > 0


@pytest.mark.parametrize(
    "key",
    [
        ApiKey("ck_Unknown-Key-Value-0000", "cs_Unknown-Secret-Value-0000"),
        ApiKey(READ_WRITE.consumer_key, "cs_Wrong-Secret-For-A-Real-Key"),
    ],
    ids=["unknown key", "wrong secret"],
)
async def test_a_bad_key_is_refused(client: httpx.AsyncClient, admin: SignedIn, shop_url: str, key: ApiKey) -> None:
    response = await client.post(SHOPS, json=body(shop_url, key), headers=admin.headers)

    assert response.status_code == 400
    assert response.json()["reason"] == "bad_key"
    assert response.json()["error"] == "Bad Request"
    assert key.consumer_secret not in response.text
    assert_no_secret(response.text)


async def test_a_read_only_key_is_refused_unless_allowed(
    client: httpx.AsyncClient, admin: SignedIn, shop_url: str
) -> None:
    refused = await client.post(SHOPS, json=body(shop_url, READ_ONLY), headers=admin.headers)
    allowed = await client.post(SHOPS, json=body(shop_url, READ_ONLY, allowReadOnly=True), headers=admin.headers)

    assert refused.status_code == 400
    assert refused.json()["reason"] == "read_only_key"
    assert "Read/Write" in refused.json()["message"]
    assert allowed.status_code == 201
    assert allowed.json()["shop"]["canWrite"] is False


async def test_a_shop_too_old_for_the_sync_is_refused(
    client: httpx.AsyncClient, admin: SignedIn, old_woocommerce_url: str
) -> None:
    response = await client.post(SHOPS, json=body(old_woocommerce_url), headers=admin.headers)

    assert response.status_code == 400
    assert response.json()["reason"] == "too_old"
    assert "no REST API v3" in response.json()["message"]


async def test_checking_again_refreshes_what_is_known(
    client: httpx.AsyncClient, admin: SignedIn, shop_url: str
) -> None:
    created = (await client.post(SHOPS, json=body(shop_url, check=False), headers=admin.headers)).json()["shop"]
    assert created["wcVersion"] is None

    checked = await client.post(f"{SHOPS}/{created['id']}/check", headers=admin.headers)

    assert checked.status_code == 200
    assert checked.json()["shop"]["wcVersion"] == "10.2.4"
    assert checked.json()["shop"]["checkedAt"] is not None


async def test_no_secret_in_the_logs_of_a_real_check(
    client: httpx.AsyncClient,
    admin: SignedIn,
    shop_url: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("DEBUG", "json")
    caplog.set_level(logging.DEBUG)

    await client.post(SHOPS, json=body(shop_url), headers=admin.headers)
    await client.post(SHOPS, json=body(shop_url, READ_ONLY), headers=admin.headers)
    await client.post(
        SHOPS, json=body(shop_url, ApiKey(READ_WRITE.consumer_key, "cs_nope-nope")), headers=admin.headers
    )

    captured = capsys.readouterr()
    text = captured.out + captured.err + caplog.text
    assert "shop added" in text
    assert_no_secret(text)
