"""Shop credentials never reach a log line, whether the shop is added, checked, refused or used."""

from __future__ import annotations

import logging

import httpx
import pytest

from lumina.logging import configure_logging
from tests.lumina.auth.support import SignedIn
from tests.lumina.shops.test_add_shop import KEY, SECRET, SHOPS, shop_body


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> pytest.CaptureFixture[str]:
    configure_logging("DEBUG", "json")
    caplog.set_level(logging.DEBUG)
    return capsys


async def test_adding_and_checking_shops_logs_no_secret(
    client: httpx.AsyncClient,
    admin: SignedIn,
    logs: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    not_a_shop_url: str,
    closed_port_url: str,
) -> None:
    added = await client.post(SHOPS, json=shop_body(closed_port_url, check=False), headers=admin.headers)
    await client.post(f"{SHOPS}/{added.json()['shop']['id']}/check", headers=admin.headers)
    await client.post(SHOPS, json=shop_body(not_a_shop_url), headers=admin.headers)
    await client.post(SHOPS, json=shop_body("https://x.example", authMode="magic"), headers=admin.headers)

    captured = logs.readouterr()
    text = captured.out + captured.err + caplog.text
    assert "shop added" in text  # the logs were captured at all
    assert "shop check failed" in text
    for secret in (KEY, SECRET, KEY[3:], SECRET[3:]):
        assert secret not in text
