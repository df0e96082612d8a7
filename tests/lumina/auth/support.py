"""Helpers and fixtures for tests that need signed-in users; imported by the conftests of auth, admin, shops, cli."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest

from lumina.app import create_app
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import Family, User, UserRole
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, make_settings
from tests.factories import DEFAULT_PASSWORD, create_family, create_user


@dataclass
class SignedIn:
    user: User
    family: Family
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def session_id(self) -> str:
        """The login's session, which an access token made for this user must name to be accepted."""
        return str(jwt.decode(self.access_token, options={"verify_signature": False})["sid"])


async def login(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def sign_in(
    client: httpx.AsyncClient, database: Database, *, role: UserRole = UserRole.MEMBER, email: str | None = None
) -> SignedIn:
    async with database.transaction() as session:
        family = await create_family(session)
        user = await create_user(session, family, role=role, email=email)
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    body = response.json()
    return SignedIn(user, family, body["accessToken"], body["refreshToken"])


@pytest.fixture
async def member(client: httpx.AsyncClient, database: Database) -> SignedIn:
    return await sign_in(client, database)


@pytest.fixture
async def admin(client: httpx.AsyncClient, database: Database) -> SignedIn:
    return await sign_in(client, database, role=UserRole.ADMIN)


def context_with(tmp_path: Path, database: Database, **overrides: object) -> ServiceContext:
    """A service context like the shared `context` fixture's, with some settings changed."""
    settings = make_settings(tmp_path, database.url, **overrides)
    return ServiceContext(settings, database, SecretBox(TEST_ENCRYPTION_KEY), TEST_JWT_SECRET)


@asynccontextmanager
async def client_for(context: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(context=context), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lumina.test") as http:
        yield http
