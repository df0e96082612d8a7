"""Repeated failed logins are throttled per email and per client address; a success resets the email's count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from lumina.auth.service import purge_expired
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import LoginThrottle, RefreshToken
from tests.lumina.auth.support import SignedIn, client_for, context_with, login

MAX_FAILURES = 3


@pytest.fixture
async def strict_client(tmp_path: Path, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    context = context_with(tmp_path, database, login_max_failures=MAX_FAILURES, login_lockout_seconds=600)
    async with client_for(context) as http:
        yield http


async def test_repeated_failures_lock_the_email_with_retry_after(
    strict_client: httpx.AsyncClient, member: SignedIn
) -> None:
    for _ in range(MAX_FAILURES):
        assert (await login(strict_client, member.user.email, "wrong")).status_code == 401

    locked = await login(strict_client, member.user.email)  # even the right password waits

    assert locked.status_code == 429
    assert locked.json()["error"] == "Too Many Requests"
    assert "Try again in" in locked.json()["message"]
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= 600


async def test_an_unknown_email_is_throttled_like_a_known_one(strict_client: httpx.AsyncClient) -> None:
    for _ in range(MAX_FAILURES):
        await login(strict_client, "nobody@example.com", "wrong")

    assert (await login(strict_client, "nobody@example.com", "wrong")).status_code == 429


async def test_a_success_resets_the_count(strict_client: httpx.AsyncClient, member: SignedIn) -> None:
    for _ in range(MAX_FAILURES - 1):
        await login(strict_client, member.user.email, "wrong")
    assert (await login(strict_client, member.user.email)).status_code == 200

    for _ in range(MAX_FAILURES - 1):
        assert (await login(strict_client, member.user.email, "wrong")).status_code == 401
    assert (await login(strict_client, member.user.email)).status_code == 200


async def test_the_lock_ends_when_its_time_is_up(
    strict_client: httpx.AsyncClient, member: SignedIn, database: Database
) -> None:
    for _ in range(MAX_FAILURES):
        await login(strict_client, member.user.email, "wrong")
    assert (await login(strict_client, member.user.email)).status_code == 429

    past = datetime.now(UTC) - timedelta(seconds=1)
    async with database.transaction() as session:  # as if the lockout had run its course
        await session.execute(update(LoginThrottle).values(locked_until=past, window_started_at=past))

    assert (await login(strict_client, member.user.email)).status_code == 200


async def test_one_address_spraying_many_emails_is_locked(strict_client: httpx.AsyncClient) -> None:
    # An address is allowed four times an email's failures (households share one), then locked.
    for attempt in range(MAX_FAILURES * 4):
        response = await login(strict_client, f"guess{attempt}@example.com", "wrong")
        assert response.status_code == 401

    response = await login(strict_client, "fresh@example.com", "wrong")

    assert response.status_code == 429
    assert "Retry-After" in response.headers


async def test_housekeeping_removes_what_no_longer_counts(
    strict_client: httpx.AsyncClient, member: SignedIn, database: Database, context: ServiceContext
) -> None:
    await login(strict_client, "old@example.com", "wrong")
    await login(strict_client, member.user.email, "wrong")
    long_ago = datetime.now(UTC) - timedelta(days=2)
    async with database.transaction() as session:
        await session.execute(
            update(LoginThrottle).where(LoginThrottle.key == "email:old@example.com").values(window_started_at=long_ago)
        )
        await session.execute(update(RefreshToken).values(expires_at=long_ago))

    async with database.transaction() as session:
        tokens_deleted, throttles_deleted = await purge_expired(session, context)

    assert tokens_deleted == 1  # the member's login
    assert throttles_deleted == 1
    async with database.transaction() as session:
        keys = (await session.execute(select(LoginThrottle.key))).scalars().all()
    assert "email:old@example.com" not in keys
    assert f"email:{member.user.email}" in keys
