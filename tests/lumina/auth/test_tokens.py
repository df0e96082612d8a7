"""Every kind of bad access token is refused with 401 in the seed's shape."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from lumina.db import Database
from lumina.models import User
from tests.conftest import TEST_JWT_SECRET
from tests.lumina.auth.support import SignedIn

ME = "/api/v1/auth/me"


def _claims(user: SignedIn, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user.user.id),
        "sid": user.session_id,
        "fam": user.family.id,
        "role": "member",
        "type": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": "x",
        "iss": "lumina",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _me(client: httpx.AsyncClient, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await client.get(ME, headers=headers)


async def test_missing_token_answers_exactly_like_the_seed(client: httpx.AsyncClient) -> None:
    response = await _me(client, None)

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "No token provided"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   "])
async def test_empty_authorization_is_no_token(client: httpx.AsyncClient, header: str) -> None:
    response = await _me(client, header)

    assert response.json() == {"error": "Unauthorized", "message": "No token provided"}


async def test_another_scheme_is_refused(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await _me(client, f"Basic {member.access_token}")

    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


async def test_the_scheme_is_case_insensitive(client: httpx.AsyncClient, member: SignedIn) -> None:
    assert (await _me(client, f"bearer {member.access_token}")).status_code == 200


def _bad_tokens(user: SignedIn) -> dict[str, tuple[str, str]]:
    """Each bad token with a word its refusal must contain."""
    header = {"alg": "HS256", "typ": "JWT"}
    return {
        "malformed": ("not.a-jwt", "malformed"),
        "garbage": ("abc", "malformed"),
        "expired": (
            jwt.encode(_claims(user, exp=int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())), TEST_JWT_SECRET),
            "expired",
        ),
        "wrong key": (jwt.encode(_claims(user), "another-secret-0123456789abcdef0123456789"), "signature"),
        "alg none": (f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}.", "algorithm"),
        "alg HS512": (jwt.encode(_claims(user), TEST_JWT_SECRET * 2, algorithm="HS512"), "algorithm"),
        "tampered payload": (
            _b64(header) + "." + _b64(_claims(user, role="admin")) + "." + user.access_token.rsplit(".", 1)[1],
            "signature",
        ),
        "no exp": (jwt.encode(_claims(user, exp=None), TEST_JWT_SECRET), "exp"),
        "no session": (jwt.encode(_claims(user, sid=None), TEST_JWT_SECRET), "sid"),
        "another session": (jwt.encode(_claims(user, sid="made-up"), TEST_JWT_SECRET), "session has ended"),
        "other issuer": (jwt.encode(_claims(user, iss="someone-else"), TEST_JWT_SECRET), "invalid"),
        "refresh-type JWT": (jwt.encode(_claims(user, type="refresh"), TEST_JWT_SECRET), "not an access token"),
        "refresh token": (user.refresh_token, "refresh token"),
    }


async def test_every_bad_token_is_refused_with_a_clear_message(client: httpx.AsyncClient, member: SignedIn) -> None:
    for kind, (token, word) in _bad_tokens(member).items():
        response = await _me(client, f"Bearer {token}")

        assert response.status_code == 401, kind
        body = response.json()
        assert set(body) == {"error", "message"}, kind
        assert body["error"] == "Unauthorized", kind
        assert word.lower() in body["message"].lower(), (kind, body["message"])


async def test_a_deleted_user_token_is_refused(client: httpx.AsyncClient, member: SignedIn, database: Database) -> None:
    async with database.transaction() as session:
        await session.delete(await session.get(User, member.user.id))

    response = await _me(client, f"Bearer {member.access_token}")

    assert response.status_code == 401
    assert "no longer exists" in response.json()["message"]


async def test_a_disabled_user_token_is_refused(
    client: httpx.AsyncClient, member: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        user = await session.get(User, member.user.id)
        assert user is not None
        user.is_active = False

    response = await _me(client, f"Bearer {member.access_token}")

    assert response.status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh_token})
    assert refreshed.status_code == 401


async def test_access_tokens_carry_the_documented_claims(member: SignedIn) -> None:
    claims = jwt.decode(member.access_token, TEST_JWT_SECRET, algorithms=["HS256"], issuer="lumina")

    assert claims["sub"] == str(member.user.id)
    assert claims["sid"] == member.session_id
    assert claims["fam"] == member.family.id
    assert claims["role"] == "member"
    assert claims["type"] == "access"
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["jti"]
