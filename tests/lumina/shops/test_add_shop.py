"""Adding, checking and removing shops through the admin API: refusals that say what is wrong, no secret shown."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import ShopConnection, UserRole
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_shop
from tests.lumina.auth.support import SignedIn, client_for, context_with, sign_in

SHOPS = "/api/v1/admin/shops"
# Not in the hex form the log redactor recognises: these tests check that our code never logs them at all.
KEY = "ck_Plain-Key-Value-Xyzzy-0042"
SECRET = "cs_Plain-Secret-Value-Plugh-0042"


def shop_body(url: str, **changes: object) -> dict[str, object]:
    return {"name": "Corner shop", "url": url, "consumerKey": KEY, "consumerSecret": SECRET, **changes}


async def shop_count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(ShopConnection)) or 0)


async def test_adding_without_a_check_stores_encrypted_credentials(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    response = await client.post(SHOPS, json=shop_body("https://Shop.Example/", check=False), headers=admin.headers)

    assert response.status_code == 201
    shop = response.json()["shop"]
    assert shop["url"] == "https://shop.example"
    assert shop["keyHint"] == "…0042"
    assert shop["checkedAt"] is None
    assert response.json()["check"] is None
    assert KEY not in response.text
    assert SECRET not in response.text
    async with database.transaction() as session:
        row = await session.get(ShopConnection, shop["id"])
    assert row is not None
    assert KEY not in row.consumer_key_encrypted
    assert SECRET not in row.consumer_secret_encrypted
    box = SecretBox(TEST_ENCRYPTION_KEY)
    assert (box.decrypt(row.consumer_key_encrypted), box.decrypt(row.consumer_secret_encrypted)) == (KEY, SECRET)


async def test_no_listing_shows_a_secret(client: httpx.AsyncClient, admin: SignedIn) -> None:
    created = (await client.post(SHOPS, json=shop_body("https://a.example", check=False), headers=admin.headers)).json()

    for path in (SHOPS, f"{SHOPS}/{created['shop']['id']}"):
        response = await client.get(path, headers=admin.headers)
        assert response.status_code == 200
        assert KEY not in response.text
        assert SECRET not in response.text
        assert "encrypted" not in response.text.lower()


async def test_a_site_that_is_not_woocommerce_is_refused_clearly(
    client: httpx.AsyncClient, admin: SignedIn, database: Database, not_a_shop_url: str
) -> None:
    response = await client.post(SHOPS, json=shop_body(not_a_shop_url), headers=admin.headers)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["reason"] == "not_woocommerce"
    assert "No WordPress REST API at this address" in body["message"]
    assert KEY not in response.text
    assert SECRET not in response.text
    assert await shop_count(database) == 0


async def test_an_unreachable_shop_is_refused_as_a_bad_gateway(
    client: httpx.AsyncClient, admin: SignedIn, database: Database, closed_port_url: str
) -> None:
    response = await client.post(SHOPS, json=shop_body(closed_port_url), headers=admin.headers)

    assert response.status_code == 502
    assert response.json()["reason"] == "unreachable"
    assert response.json()["error"] == "Bad Gateway"
    assert await shop_count(database) == 0


async def test_checking_a_saved_shop_again_reports_the_problem(
    client: httpx.AsyncClient, admin: SignedIn, closed_port_url: str
) -> None:
    created = (await client.post(SHOPS, json=shop_body(closed_port_url, check=False), headers=admin.headers)).json()

    response = await client.post(f"{SHOPS}/{created['shop']['id']}/check", headers=admin.headers)

    assert response.status_code == 502
    assert response.json()["reason"] == "unreachable"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://10.1.2.3",
        "http://192.168.1.10/shop",
        "http://169.254.169.254",  # the cloud metadata service
        "http://[::1]:3001",
        "http://0.0.0.0",
    ],
)
async def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, database: Database, url: str) -> None:
    context = context_with(tmp_path, database, allow_private_shop_urls=False)
    async with client_for(context) as http:
        admin = await sign_in(http, database, role=UserRole.ADMIN)
        response = await http.post(SHOPS, json=shop_body(url), headers=admin.headers)

    assert response.status_code == 400
    assert response.json()["reason"] == "private_address"
    assert "ALLOW_PRIVATE_SHOP_URLS" in response.json()["message"]
    assert await shop_count(database) == 0


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://shop.example", "http:// or https://"),
        ("https://", "name a host"),
        ("https://user:pw@shop.example", "credentials"),
        ("https://shop.example/?rest_route=/", "rest_route"),
    ],
)
async def test_malformed_urls_are_refused(client: httpx.AsyncClient, admin: SignedIn, url: str, words: str) -> None:
    response = await client.post(SHOPS, json=shop_body(url), headers=admin.headers)

    assert response.status_code == 400
    assert response.json()["reason"] == "invalid_url"
    assert words in response.json()["message"]


async def test_basic_auth_over_plain_http_is_refused(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.post(
        SHOPS, json=shop_body("http://shop.example", authMode="basic", check=False), headers=admin.headers
    )

    assert response.status_code == 400
    assert "https://" in response.json()["message"]


async def test_shop_validation_errors_are_400_with_fields(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.post(
        SHOPS, json={"name": "", "url": "https://x.example", "authMode": "magic"}, headers=admin.headers
    )

    assert response.status_code == 400
    fields = {item["field"] for item in response.json()["fields"]}
    assert fields == {"name", "consumerKey", "consumerSecret", "authMode"}


async def test_the_same_shop_cannot_be_added_twice(client: httpx.AsyncClient, admin: SignedIn) -> None:
    await client.post(SHOPS, json=shop_body("https://twice.example", check=False), headers=admin.headers)

    again = await client.post(SHOPS, json=shop_body("https://TWICE.example/", check=False), headers=admin.headers)

    assert again.status_code == 409


async def test_remove_a_shop_but_not_the_default_one(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        default = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY), is_default=True)
        other = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY), url="https://other.example")

    refused = await client.delete(f"{SHOPS}/{default.id}", headers=admin.headers)
    removed = await client.delete(f"{SHOPS}/{other.id}", headers=admin.headers)

    assert refused.status_code == 409
    assert "WC_STORE_URL" in refused.json()["message"]
    assert removed.status_code == 204
    assert (await client.delete(f"{SHOPS}/{other.id}", headers=admin.headers)).status_code == 404
