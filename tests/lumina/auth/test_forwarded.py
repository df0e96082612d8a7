"""The login throttle counts per client address: behind `lumina serve` (uvicorn), a caller's X-Forwarded-For names
the client only when the caller is a proxy listed in FORWARDED_ALLOW_IPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from lumina.app import create_app
from lumina.cli.serve import server_options
from lumina.config import Settings
from lumina.db import Database
from tests.conftest import make_settings
from tests.lumina.auth.support import context_with
from tests.lumina.serving import serving

MAX_FAILURES = 2
ADDRESS_ALLOWANCE = MAX_FAILURES * 4  # an address may fail four times an email's allowance


@asynccontextmanager
async def serving_with(tmp_path: Path, database: Database, **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """The app under uvicorn with `lumina serve`'s options."""
    context = context_with(tmp_path, database, login_max_failures=MAX_FAILURES, **overrides)
    async with (
        serving(create_app(context=context), **server_options(context.settings)) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        yield client


async def _fail_from(client: httpx.AsyncClient, attempt: int, forwarded_for: str) -> int:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": f"guess{attempt}@example.com", "password": "wrong"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


async def test_a_rotating_forwarded_for_from_loopback_does_not_escape_the_address_throttle(
    tmp_path: Path, database: Database
) -> None:
    async with serving_with(tmp_path, database) as client:
        answers = [await _fail_from(client, attempt, f"203.0.113.{attempt}") for attempt in range(ADDRESS_ALLOWANCE)]
        assert answers == [401] * ADDRESS_ALLOWANCE

        assert await _fail_from(client, ADDRESS_ALLOWANCE, "203.0.113.250") == 429  # loopback itself is locked


async def test_a_configured_proxy_names_the_client(tmp_path: Path, database: Database) -> None:
    async with serving_with(tmp_path, database, forwarded_allow_ips=["127.0.0.1"]) as client:
        # Each forwarded client has its own allowance...
        for attempt in range(ADDRESS_ALLOWANCE + 2):
            assert await _fail_from(client, attempt, f"203.0.113.{attempt}") == 401
        # ...and one client is locked after its own, whatever the proxy forwards for others.
        for attempt in range(ADDRESS_ALLOWANCE):
            assert await _fail_from(client, 100 + attempt, "198.51.100.7") == 401
        assert await _fail_from(client, 200, "198.51.100.7") == 429
        assert await _fail_from(client, 201, "198.51.100.8") == 401


def test_forwarded_allow_ips_is_off_by_default_and_checked(tmp_path: Path) -> None:
    assert make_settings(tmp_path, "sqlite://").forwarded_allow_ips == []
    parsed = make_settings(tmp_path, "sqlite://", forwarded_allow_ips=" 10.0.0.0/8, ::1 ,*")
    assert parsed.forwarded_allow_ips == ["10.0.0.0/8", "::1", "*"]
    with pytest.raises(ValueError, match=r"'proxy\.local' is not an IP address"):
        Settings(_env_file=None, forwarded_allow_ips="10.0.0.1,proxy.local")  # type: ignore[call-arg]
