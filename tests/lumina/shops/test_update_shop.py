"""PATCH /admin/shops/{id} against simulated shops over real HTTP: every change is checked before it is stored,
a refused change leaves the shop as it was, and the cached orders stay through every accepted one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import CachedOrder, ShopConnection, SyncTrigger, UserRole
from lumina.sync import SyncCoordinator
from tests.factories import create_shop
from tests.lumina.auth.support import SignedIn, client_for, context_with, sign_in
from tests.lumina.sync.support import make_coordinator
from woosim import ApiKey, ShopConfig, ShopServer, SimulatedShop

SHOPS = "/api/v1/admin/shops"
READ_WRITE = ApiKey("ck_Update-Rw-Key-Quux-7001", "cs_Update-Rw-Secret-Zorp-7001", "read_write")
READ_ONLY = ApiKey("ck_Update-Ro-Key-Quax-7002", "cs_Update-Ro-Secret-Zarp-7002", "read")
OTHER = ApiKey("ck_Other-Store-Key-Flim-7003", "cs_Other-Store-Secret-Flam-7003", "read_write")
SECRETS = [key.consumer_secret for key in (READ_WRITE, READ_ONLY, OTHER)] + [READ_WRITE.consumer_key]


@pytest.fixture(scope="module")
def store() -> Iterator[SimulatedShop]:
    config = ShopConfig(seed=11, order_count=40, days=20, read_write_key=READ_WRITE, read_only_key=READ_ONLY)
    with SimulatedShop(config) as shop:
        yield shop


@pytest.fixture(scope="module")
def store_url(store: SimulatedShop) -> Iterator[str]:
    with ShopServer(store) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def same_store_elsewhere(store: SimulatedShop, store_url: str) -> Iterator[str]:
    """The same store answering at a second address over HTTPS (a test certificate), as after a move."""
    with ShopServer(store, https=True) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def other_store_url() -> Iterator[str]:
    config = ShopConfig(seed=12, order_count=40, days=20, read_write_key=OTHER)
    with ShopServer(SimulatedShop(config)) as server:
        yield server.base_url


def key_body(key: ApiKey) -> dict[str, str]:
    return {"consumerKey": key.consumer_key, "consumerSecret": key.consumer_secret}


async def add_synced_shop(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, url: str, key: ApiKey
) -> int:
    """A shop added with `key` through the API, linked to the admin's family and synced once."""
    body = {"name": "Corner", "url": url, **key_body(key), "allowReadOnly": True}
    created = await client.post(SHOPS, json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    shop_id = int(created.json()["shop"]["id"])
    link = f"/api/v1/admin/families/{admin.family.id}/shops/{shop_id}"
    linked = await client.put(link, json={}, headers=admin.headers)
    assert linked.status_code == 201
    await sync_once(context, shop_id)
    return shop_id


async def sync_once(context: ServiceContext, shop_id: int) -> None:
    coordinator = make_coordinator(context)
    try:
        result = await coordinator.sync_shop(shop_id, trigger=SyncTrigger.ADMIN)
    finally:
        await coordinator.stop()
    assert result.status == "succeeded", result.error


async def cached_count(database: Database, shop_id: int) -> int:
    async with database.transaction() as session:
        statement = select(func.count()).select_from(CachedOrder).where(CachedOrder.shop_id == shop_id)
        return int(await session.scalar(statement) or 0)


async def stored(database: Database, shop_id: int) -> ShopConnection:
    async with database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
    assert shop is not None
    return shop


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def test_rotating_the_key_checks_it_first_and_keeps_the_orders(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, database: Database, store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_ONLY)
    before = await cached_count(database, shop_id)
    assert before > 0

    rotated = await client.patch(f"{SHOPS}/{shop_id}", json=key_body(READ_WRITE), headers=admin.headers)

    assert rotated.status_code == 200, rotated.text
    shop = rotated.json()["shop"]
    assert shop["keyHint"] == "…7001"
    assert shop["canWrite"] is True
    assert rotated.json()["check"]["authMode"] == "oauth1"
    assert_no_secret(rotated.text)
    assert await cached_count(database, shop_id) == before
    assert context.secret_box.decrypt((await stored(database, shop_id)).consumer_secret_encrypted) == (
        READ_WRITE.consumer_secret
    )


async def test_a_wrong_key_is_refused_and_the_working_one_stays(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, database: Database, store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)
    wrong = ApiKey(READ_WRITE.consumer_key, "cs_Not-The-Secret-Of-This-Key-0000")

    refused = await client.patch(f"{SHOPS}/{shop_id}", json=key_body(wrong), headers=admin.headers)
    half = await client.patch(f"{SHOPS}/{shop_id}", json={"consumerKey": "ck_alone"}, headers=admin.headers)

    assert refused.status_code == 400
    assert refused.json()["reason"] == "bad_key"
    assert wrong.consumer_secret not in refused.text
    assert half.status_code == 400
    assert half.json()["reason"] == "invalid_credentials"
    row = await stored(database, shop_id)
    assert context.secret_box.decrypt(row.consumer_secret_encrypted) == READ_WRITE.consumer_secret
    assert row.checked_at is not None


async def test_a_read_only_key_is_refused_unless_allowed(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)

    refused = await client.patch(f"{SHOPS}/{shop_id}", json=key_body(READ_ONLY), headers=admin.headers)
    allowed = await client.patch(
        f"{SHOPS}/{shop_id}", json={**key_body(READ_ONLY), "allowReadOnly": True}, headers=admin.headers
    )

    assert refused.status_code == 400
    assert refused.json()["reason"] == "read_only_key"
    assert allowed.status_code == 200
    assert allowed.json()["shop"]["canWrite"] is False


async def test_rename_interval_and_back_to_the_default_interval(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, database: Database, store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)
    before = await cached_count(database, shop_id)

    renamed = await client.patch(
        f"{SHOPS}/{shop_id}", json={"name": "  Main   street ", "syncIntervalMinutes": 5}, headers=admin.headers
    )
    name_only = await client.patch(f"{SHOPS}/{shop_id}", json={"name": "Main"}, headers=admin.headers)
    reset = await client.patch(f"{SHOPS}/{shop_id}", json={"syncIntervalMinutes": None}, headers=admin.headers)
    too_long = await client.patch(f"{SHOPS}/{shop_id}", json={"syncIntervalMinutes": 0}, headers=admin.headers)

    assert renamed.status_code == 200
    assert renamed.json()["shop"]["name"] == "Main street"
    assert renamed.json()["shop"]["syncIntervalMinutes"] == 5
    assert renamed.json()["shop"]["health"]["intervalMinutes"] == 5
    assert renamed.json()["check"] is None  # nothing about the connection changed: the shop was not asked
    assert name_only.json()["shop"]["syncIntervalMinutes"] == 5  # left out: unchanged
    assert reset.json()["shop"]["syncIntervalMinutes"] is None
    assert reset.json()["shop"]["health"]["intervalMinutes"] == context.settings.sync_interval
    assert too_long.status_code == 400
    assert "fields" in too_long.json()
    assert await cached_count(database, shop_id) == before


async def test_the_same_store_at_a_new_address_is_accepted(
    client: httpx.AsyncClient,
    admin: SignedIn,
    context: ServiceContext,
    database: Database,
    store_url: str,
    same_store_elsewhere: str,
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)
    before = await cached_count(database, shop_id)

    untrusted = await client.patch(f"{SHOPS}/{shop_id}", json={"url": same_store_elsewhere}, headers=admin.headers)
    moved = await client.patch(
        f"{SHOPS}/{shop_id}", json={"url": same_store_elsewhere, "verifyTls": False}, headers=admin.headers
    )

    assert untrusted.status_code == 502  # the test certificate is not trusted while TLS is verified
    assert untrusted.json()["reason"] == "unreachable"
    assert moved.status_code == 200, moved.text
    assert moved.json()["shop"]["url"] == same_store_elsewhere
    assert moved.json()["check"]["authMode"] == "basic"  # auto: HTTP Basic over HTTPS
    assert await cached_count(database, shop_id) == before
    await sync_once(context, shop_id)  # from the new address


async def test_another_store_is_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    admin: SignedIn,
    context: ServiceContext,
    database: Database,
    store_url: str,
    other_store_url: str,
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)

    refused = await client.patch(
        f"{SHOPS}/{shop_id}", json={"url": other_store_url, **key_body(OTHER)}, headers=admin.headers
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "different_store"
    assert "another store" in refused.json()["message"]
    assert_no_secret(refused.text)
    row = await stored(database, shop_id)
    assert row.url == store_url
    assert context.secret_box.decrypt(row.consumer_key_encrypted) == READ_WRITE.consumer_key


async def test_a_url_already_connected_is_refused(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, store_url: str, other_store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)
    await client.post(
        SHOPS, json={"name": "Other", "url": other_store_url, **key_body(OTHER), "check": False}, headers=admin.headers
    )

    response = await client.patch(f"{SHOPS}/{shop_id}", json={"url": other_store_url}, headers=admin.headers)

    assert response.status_code == 409
    assert "already connected" in response.json()["message"]


async def test_an_auth_mode_change_is_checked(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, database: Database, store_url: str
) -> None:
    shop_id = await add_synced_shop(client, admin, context, store_url, READ_WRITE)

    basic_over_http = await client.patch(f"{SHOPS}/{shop_id}", json={"authMode": "basic"}, headers=admin.headers)
    oauth = await client.patch(f"{SHOPS}/{shop_id}", json={"authMode": "oauth1"}, headers=admin.headers)

    assert basic_over_http.status_code == 400  # Basic would send the key in clear over plain HTTP
    assert basic_over_http.json()["reason"] == "invalid_url"
    assert oauth.status_code == 200, oauth.text
    assert oauth.json()["check"]["authMode"] == "oauth1"
    assert_no_secret(oauth.text)
    assert (await stored(database, shop_id)).auth_mode == "oauth1"


async def test_a_private_address_is_refused_unless_allowed(tmp_path: Path, database: Database) -> None:
    context = context_with(tmp_path, database, allow_private_shop_urls=False)
    async with client_for(context) as http:
        admin = await sign_in(http, database, role=UserRole.ADMIN)
        created = await http.post(
            SHOPS,
            json={"name": "Shop", "url": "https://93.184.215.14", **key_body(READ_WRITE), "check": False},
            headers=admin.headers,
        )
        response = await http.patch(
            f"{SHOPS}/{created.json()['shop']['id']}", json={"url": "http://169.254.169.254"}, headers=admin.headers
        )

    assert response.status_code == 400
    assert response.json()["reason"] == "private_address"


async def test_the_default_shops_connection_belongs_to_the_variables(
    client: httpx.AsyncClient, admin: SignedIn, database: Database, context: ServiceContext
) -> None:
    async with database.transaction() as session:
        shop = await create_shop(session, context.secret_box, is_default=True)

    keys = await client.patch(f"{SHOPS}/{shop.id}", json=key_body(READ_WRITE), headers=admin.headers)
    renamed = await client.patch(f"{SHOPS}/{shop.id}", json={"name": "Home"}, headers=admin.headers)

    assert keys.status_code == 409
    assert "WC_" in keys.json()["message"]
    assert renamed.status_code == 200


async def test_an_unknown_shop_is_404(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.patch(f"{SHOPS}/999", json={"name": "x"}, headers=admin.headers)

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "Shop 999 not found"}


async def test_a_rotated_key_is_used_by_the_next_run_of_a_coordinator_that_kept_the_shops_client(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext
) -> None:
    config = ShopConfig(seed=13, order_count=20, days=20, read_write_key=READ_WRITE, read_only_key=READ_ONLY)
    with SimulatedShop(config) as store, ShopServer(store) as server:
        shop_id = await add_synced_shop(client, admin, context, server.base_url, READ_ONLY)
        coordinator = SyncCoordinator(context)  # keeps each shop's client between its runs
        try:
            first = await coordinator.sync_shop(shop_id, trigger=SyncTrigger.SCHEDULE)
            rotated = await client.patch(f"{SHOPS}/{shop_id}", json=key_body(READ_WRITE), headers=admin.headers)
            store.revoke_key(READ_ONLY)  # the old key stops working at once, as when revoked in WooCommerce
            second = await coordinator.sync_shop(shop_id, trigger=SyncTrigger.SCHEDULE)
        finally:
            await coordinator.stop()

    assert first.status == "succeeded", first.error
    assert rotated.status_code == 200, rotated.text
    assert second.status == "succeeded", second.error  # with the old key kept, the shop would answer 401
    assert second.requests == 1
