"""Linking families to shops, with and without a customer scope."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_family, create_order, create_shop, link_family
from tests.lumina.auth.support import SignedIn

FAMILIES = "/api/v1/admin/families"


async def test_link_scope_and_unlink(client: httpx.AsyncClient, admin: SignedIn, database: Database) -> None:
    async with database.transaction() as session:
        family = await create_family(session)
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY))
    path = f"{FAMILIES}/{family.id}/shops/{shop.id}"

    created = await client.put(path, json={}, headers=admin.headers)
    assert created.status_code == 201
    assert created.json()["link"]["scoped"] is False

    scoped = await client.put(
        path,
        json={"customerIds": [7, 3, 7], "billingEmails": ["Ann@Example.com", "ann@example.com ", "bo@example.com"]},
        headers=admin.headers,
    )
    assert scoped.status_code == 200
    link = scoped.json()["link"]
    assert link["customerIds"] == [3, 7]
    assert link["billingEmails"] == ["ann@example.com", "bo@example.com"]
    assert link["scoped"] is True

    listed = (await client.get(f"{FAMILIES}/{family.id}/shops", headers=admin.headers)).json()
    assert [item["shopId"] for item in listed["links"]] == [shop.id]
    everything = (await client.get("/api/v1/admin/links", params={"shopId": shop.id}, headers=admin.headers)).json()
    assert everything["count"] == 1

    assert (await client.delete(path, headers=admin.headers)).status_code == 204
    again = await client.delete(path, headers=admin.headers)
    assert again.status_code == 404
    assert again.json()["error"] == "Not Found"


async def test_linking_unknown_things_is_404(client: httpx.AsyncClient, admin: SignedIn, database: Database) -> None:
    async with database.transaction() as session:
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY))

    assert (await client.put(f"{FAMILIES}/999/shops/{shop.id}", json={}, headers=admin.headers)).status_code == 404
    assert (
        await client.put(f"{FAMILIES}/{admin.family.id}/shops/999", json={}, headers=admin.headers)
    ).status_code == 404


async def test_a_bad_scope_is_refused(client: httpx.AsyncClient, admin: SignedIn, database: Database) -> None:
    async with database.transaction() as session:
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY))
    path = f"{FAMILIES}/{admin.family.id}/shops/{shop.id}"

    negative = await client.put(path, json={"customerIds": [0]}, headers=admin.headers)
    not_numbers = await client.put(path, json={"customerIds": ["seven"]}, headers=admin.headers)
    not_email = await client.put(path, json={"billingEmails": ["nobody"]}, headers=admin.headers)

    assert negative.status_code == not_numbers.status_code == not_email.status_code == 400
    assert not_numbers.json()["fields"][0]["field"] == "customerIds.0"


async def test_unlinking_removes_only_that_familys_copies_of_the_shops_orders(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        box = SecretBox(TEST_ENCRYPTION_KEY)
        shop, other_shop = await create_shop(session, box), await create_shop(session, box, url="https://o.example")
        leaving, staying = await create_family(session), await create_family(session)
        for family in (leaving, staying):
            await link_family(session, family, shop)
        await create_order(session, leaving, shop, woocommerce_order_id=1)
        await create_order(session, leaving, other_shop, woocommerce_order_id=2)
        await create_order(session, staying, shop, woocommerce_order_id=1)

    response = await client.delete(f"{FAMILIES}/{leaving.id}/shops/{shop.id}", headers=admin.headers)

    assert response.status_code == 204
    async with database.transaction() as session:
        rows = (await session.execute(select(CachedOrder.family_id, CachedOrder.shop_id))).all()
    assert sorted((row[0], row[1]) for row in rows) == sorted([(leaving.id, other_shop.id), (staying.id, shop.id)])
