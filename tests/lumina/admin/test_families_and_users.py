"""Families and users through the admin API."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder, User
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_family, create_order, create_shop, create_user
from tests.lumina.auth.support import SignedIn, login

FAMILIES = "/api/v1/admin/families"
USERS = "/api/v1/admin/users"


async def test_create_list_and_get_a_family(client: httpx.AsyncClient, admin: SignedIn) -> None:
    created = await client.post(FAMILIES, json={"name": "  The   Smiths "}, headers=admin.headers)

    assert created.status_code == 201
    family = created.json()["family"]
    assert family["name"] == "The Smiths"
    assert family["userCount"] == 0
    assert family["shopIds"] == []  # no default shop configured
    listed = (await client.get(FAMILIES, headers=admin.headers)).json()
    assert listed["count"] == 2  # the admin's own family too
    assert family["id"] in [item["id"] for item in listed["families"]]
    detail = (await client.get(f"{FAMILIES}/{family['id']}", headers=admin.headers)).json()
    assert detail["family"]["id"] == family["id"]
    assert detail["users"] == []
    assert detail["links"] == []


async def test_a_new_family_is_linked_to_the_default_shop(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY), is_default=True)

    linked = (await client.post(FAMILIES, json={"name": "Linked"}, headers=admin.headers)).json()["family"]
    unlinked = (
        await client.post(FAMILIES, json={"name": "Alone", "linkDefaultShop": False}, headers=admin.headers)
    ).json()["family"]

    assert linked["shopIds"] == [shop.id]
    assert unlinked["shopIds"] == []


async def test_family_validation_errors_are_400_with_fields(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.post(FAMILIES, json={"name": "", "surprise": 1}, headers=admin.headers)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert {item["field"] for item in body["fields"]} == {"name", "surprise"}


async def test_unknown_ids_answer_404_in_the_error_shape(client: httpx.AsyncClient, admin: SignedIn) -> None:
    for path in (f"{FAMILIES}/999", f"{USERS}/999", "/api/v1/admin/shops/999"):
        response = await client.get(path, headers=admin.headers)

        assert response.status_code == 404
        assert response.json()["error"] == "Not Found"
        assert "999" in response.json()["message"]


async def test_deleting_a_family_takes_its_users_and_orders(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        family = await create_family(session)
        await create_user(session, family, email="leaving@example.com")
        await create_order(session, family, await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY)))

    response = await client.delete(f"{FAMILIES}/{family.id}", headers=admin.headers)

    assert response.status_code == 204
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CachedOrder)) == 0
        assert await session.scalar(select(User.id).where(User.email == "leaving@example.com")) is None
    assert (await client.get(f"{FAMILIES}/{family.id}", headers=admin.headers)).status_code == 404


async def test_an_admin_cannot_delete_their_own_family(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.delete(f"{FAMILIES}/{admin.family.id}", headers=admin.headers)

    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"


async def test_create_a_user_who_can_then_log_in(client: httpx.AsyncClient, admin: SignedIn) -> None:
    body = {
        "familyId": admin.family.id,
        "email": "New.Person@Example.com",
        "name": "New Person",
        "password": "a long enough password",
        "role": "admin",
    }
    response = await client.post(USERS, json=body, headers=admin.headers)

    assert response.status_code == 201
    user = response.json()["user"]
    assert user["email"] == "new.person@example.com"
    assert user["role"] == "admin"
    assert user["isActive"] is True
    assert "password" not in response.text.lower()
    assert "argon2" not in response.text
    assert (await login(client, "new.person@example.com", "a long enough password")).status_code == 200


async def test_user_validation_names_each_field(client: httpx.AsyncClient, admin: SignedIn) -> None:
    body = {"familyId": admin.family.id, "email": "not-an-email", "name": "X", "password": "short", "role": "boss"}
    response = await client.post(USERS, json=body, headers=admin.headers)

    assert response.status_code == 400
    fields = {item["field"] for item in response.json()["fields"]}
    assert fields == {"email", "password", "role"}
    assert "short" not in response.text  # the password is not echoed


async def test_emails_are_unique_whatever_their_case(client: httpx.AsyncClient, admin: SignedIn) -> None:
    body = {"familyId": admin.family.id, "email": admin.user.email.upper(), "name": "Twin", "password": "x" * 12}
    response = await client.post(USERS, json=body, headers=admin.headers)

    assert response.status_code == 409
    assert "already exists" in response.json()["message"]


async def test_a_user_in_an_unknown_family_is_refused(client: httpx.AsyncClient, admin: SignedIn) -> None:
    body = {"familyId": 999, "email": "x@example.com", "name": "X", "password": "x" * 12}
    response = await client.post(USERS, json=body, headers=admin.headers)

    assert response.status_code == 404


async def test_list_users_of_one_family(client: httpx.AsyncClient, admin: SignedIn, member: SignedIn) -> None:
    everyone = (await client.get(USERS, headers=admin.headers)).json()
    theirs = (await client.get(USERS, params={"familyId": member.family.id}, headers=admin.headers)).json()

    assert everyone["count"] == 2
    assert [user["id"] for user in theirs["users"]] == [member.user.id]
    assert "passwordHash" not in str(everyone)


async def test_promote_and_disable_a_user(client: httpx.AsyncClient, admin: SignedIn, member: SignedIn) -> None:
    promoted = await client.patch(f"{USERS}/{member.user.id}", json={"role": "admin"}, headers=admin.headers)
    assert promoted.json()["user"]["role"] == "admin"
    assert (await client.get(FAMILIES, headers=member.headers)).status_code == 200  # takes effect at once

    disabled = await client.patch(f"{USERS}/{member.user.id}", json={"isActive": False}, headers=admin.headers)

    assert disabled.json()["user"]["isActive"] is False
    assert (await client.get("/api/v1/auth/me", headers=member.headers)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})
    assert refreshed.status_code == 401


async def test_a_password_change_ends_sessions(client: httpx.AsyncClient, admin: SignedIn, member: SignedIn) -> None:
    response = await client.patch(
        f"{USERS}/{member.user.id}", json={"password": "a brand new password"}, headers=admin.headers
    )

    assert response.status_code == 200
    assert (await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})).status_code == 401
    assert (await login(client, member.user.email, "a brand new password")).status_code == 200


async def test_the_last_admin_cannot_be_demoted_disabled_or_deleted(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    for change in ({"role": "member"}, {"isActive": False}):
        response = await client.patch(f"{USERS}/{admin.user.id}", json=change, headers=admin.headers)
        assert response.status_code == 409, change
        assert "last active administrator" in response.json()["message"]

    async with database.transaction() as session:
        other = await create_user(session, admin.family, email="other-admin@example.com")
    await client.patch(f"{USERS}/{other.id}", json={"role": "admin"}, headers=admin.headers)
    demoted = await client.patch(f"{USERS}/{admin.user.id}", json={"role": "member"}, headers=admin.headers)
    assert demoted.status_code == 200


async def test_delete_a_user(client: httpx.AsyncClient, admin: SignedIn, member: SignedIn) -> None:
    assert (await client.delete(f"{USERS}/{member.user.id}", headers=admin.headers)).status_code == 204
    assert (await client.get(f"{USERS}/{member.user.id}", headers=admin.headers)).status_code == 404
    assert (await client.delete(f"{USERS}/{admin.user.id}", headers=admin.headers)).status_code == 409
