"""Login, refresh with rotation and reuse detection, logout, me."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from lumina.auth.passwords import hash_password
from lumina.db import Database
from lumina.models import RefreshToken, User
from tests.factories import DEFAULT_PASSWORD, create_family, create_user
from tests.lumina.auth.support import SignedIn, login


async def test_login_answers_the_seed_shape_in_compact_json(client: httpx.AsyncClient, database: Database) -> None:
    async with database.transaction() as session:
        family = await create_family(session, "Smith")
        user = await create_user(session, family, email="test@example.com", password="test123", name="Test")

    response = await login(client, "test@example.com", "test123")

    assert response.status_code == 200
    # The seed's quick test reads the token with grep: compact JSON, no spaces.
    match = re.search(r'"accessToken":"[^"]*"', response.text)
    assert match is not None
    body = response.json()
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == 15 * 60
    assert body["refreshToken"]
    assert body["user"] == {
        "id": user.id,
        "email": "test@example.com",
        "name": "Test",
        "role": "member",
        "familyId": family.id,
    }
    assert "password" not in response.text.lower()


async def test_email_is_case_insensitive(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await login(client, "  " + member.user.email.upper() + " ")
    assert response.status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    wrong = await login(client, member.user.email, "not the password")
    unknown = await login(client, "nobody@example.com", "not the password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "Unauthorized", "message": "Invalid email or password"}


async def test_a_disabled_account_answers_as_a_wrong_password_does(
    client: httpx.AsyncClient, database: Database
) -> None:
    async with database.transaction() as session:
        user = await create_user(session, await create_family(session), email="gone@example.com")
        user.is_active = False

    right = await login(client, "gone@example.com")
    wrong = await login(client, "gone@example.com", "not the password")

    assert right.status_code == wrong.status_code == 401
    assert right.json() == wrong.json() == {"error": "Unauthorized", "message": "Invalid email or password"}
    per_request = {"x-request-id"}
    assert {k: v for k, v in right.headers.items() if k not in per_request} == {
        k: v for k, v in wrong.headers.items() if k not in per_request
    }


async def test_login_validation_errors_are_400_with_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "a@example.com"})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert [item["field"] for item in body["fields"]] == ["password"]


async def test_me_returns_the_signed_in_user(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.get("/api/v1/auth/me", headers=member.headers)

    assert response.status_code == 200
    assert response.json()["user"]["id"] == member.user.id
    assert response.json()["user"]["familyId"] == member.family.id


async def test_a_hash_made_with_other_parameters_is_upgraded_at_login(
    client: httpx.AsyncClient, database: Database
) -> None:
    from argon2 import PasswordHasher

    old_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(DEFAULT_PASSWORD)
    async with database.transaction() as session:
        user = await create_user(session, await create_family(session), email="old@example.com")
        user.password_hash = old_hash

    assert (await login(client, "old@example.com")).status_code == 200

    async with database.transaction() as session:
        stored = (await session.execute(select(User.password_hash).where(User.id == user.id))).scalar_one()
    assert stored != old_hash
    assert stored.split("$")[3] == hash_password("x").split("$")[3]  # the current parameters


async def test_refresh_rotates_the_pair(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})

    assert response.status_code == 200
    pair = response.json()
    assert pair["refreshToken"] != member.refresh_token
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['accessToken']}"})
    assert me.status_code == 200
    # The next refresh works with the new token.
    again = await client.post("/api/v1/auth/refresh", json={"refreshToken": pair["refreshToken"]})
    assert again.status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_chain(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    rotated = (await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})).json()

    replay = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})

    assert replay.status_code == 401
    assert replay.json()["error"] == "Unauthorized"
    assert "already used" in replay.json()["message"]
    # The thief's replay also ended the owner's current token.
    current = await client.post("/api/v1/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert current.status_code == 401
    assert "revoked" in current.json()["message"]


async def test_other_logins_survive_a_reuse_detection(client: httpx.AsyncClient, member: SignedIn) -> None:
    other_login = (await login(client, member.user.email)).json()
    await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})
    await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})

    response = await client.post("/api/v1/auth/refresh", json={"refreshToken": other_login["refreshToken"]})

    assert response.status_code == 200


async def test_logout_revokes_the_chain(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.post("/api/v1/auth/logout", json={"refreshToken": member.refresh_token})

    assert response.status_code == 204
    assert response.content == b""
    refused = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})
    assert refused.status_code == 401
    # Logging out twice, or with an unknown token, is harmless.
    assert (await client.post("/api/v1/auth/logout", json={"refreshToken": "lrt_unknown"})).status_code == 204


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refreshToken": "lrt_made-up"})

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "Refresh token is invalid"}


async def test_only_hashes_of_refresh_tokens_are_stored(member: SignedIn, database: Database) -> None:
    async with database.transaction() as session:
        hashes = (await session.execute(select(RefreshToken.token_hash))).scalars().all()

    assert hashes
    assert member.refresh_token not in hashes
    assert all(len(value) == 64 for value in hashes)
