"""A shop (or a WAF, or a proxy) that echoes the request in its error text must not carry our credentials anywhere:
not to members (the sync's 502, the sync status, a write-back's 502), not to the database, not to the logs.

The echoing shop is a small ASGI app on a real loopback port, over HTTP and HTTPS, in every auth mode. It writes
the request back in the ways such pages do: the query at the start of the message, header lines, JSON, PHP's
print_r, the OAuth parameters as an Authorization header.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest
import trustme
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.logging import configure_logging
from lumina.models import ShopSyncState, SyncRun
from lumina.sync import SyncCoordinator
from tests.factories import create_order, create_shop, link_family
from tests.lumina.auth.support import SignedIn
from tests.lumina.shops.servers import serve
from tests.lumina.sync.support import running_engine

__all__ = ["running_engine"]

KEY = "ck_" + "0a1b2c3d4e" * 4
SECRET = "cs_" + "9f8e7d6c5b" * 4
MARKER = "ECHOED-BY-THE-SHOP"
SENT = ("oauth_signature", "oauth_nonce", "oauth_consumer_key", "consumer_key", "consumer_secret")


@dataclass
class EchoShop:
    """Answers every request 400, with the request written back in its error body; keeps what was sent."""

    sent: set[str] = field(default_factory=set)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = (await request.body()).decode()
        query = request.url.query
        auth = request.headers.get("authorization", "")
        params = parse_qsl(query)
        self.sent.update(value for name, value in params if name in SENT)
        if auth:
            self.sent.add(auth)
        oauth = [(k, v) for k, v in params if k.startswith("oauth_")]
        echo = {
            "query": query,
            "url": str(request.url),
            "header_lines": " ".join(f"{k}: {v}" for k, v in request.headers.items()),
            "authorization": f"Authorization: {auth}",
            "authorization_json": json.dumps({"Authorization": auth}),
            "print_r": "Array ( " + " ".join(f"[{k}] => {v}" for k, v in params) + " )",
            "as_header": "OAuth " + ", ".join(f'{k}="{v}"' for k, v in oauth),
            "body": f"{request.method} {body}",
        }
        answer = {"code": "rest_invalid_param", "message": f"{query} {MARKER}", "data": {"params": echo}}
        await JSONResponse(answer, status_code=400)(scope, receive, send)


@pytest.fixture(scope="module")
def echo_shop() -> EchoShop:
    return EchoShop()


@pytest.fixture(scope="module")
def http_echo(echo_shop: EchoShop) -> Iterator[str]:
    yield from serve(echo_shop)


@pytest.fixture(scope="module")
def https_echo(echo_shop: EchoShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("tls")
    cert = trustme.CA().issue_cert("127.0.0.1")
    chain, key = folder / "chain.pem", folder / "key.pem"
    cert.private_key_pem.write_to_path(str(key))
    for blob in cert.cert_chain_pems:
        blob.write_to_path(str(chain), append=True)
    yield from serve(echo_shop, tls=(chain, key))


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> pytest.CaptureFixture[str]:
    configure_logging("DEBUG", "json")
    caplog.set_level(logging.DEBUG)
    return capsys


@pytest.mark.parametrize(
    ("scheme", "mode"),
    [("http", "auto"), ("http", "oauth1"), ("https", "auto"), ("https", "basic"), ("https", "query"),
     ("https", "oauth1"), ("https", "oauth1-header")],
)  # fmt: skip
async def test_a_shop_echoing_the_request_gets_no_credential_to_members_rows_or_logs(
    client: httpx.AsyncClient,
    database: Database,
    context: ServiceContext,
    running_engine: SyncCoordinator,
    member: SignedIn,
    echo_shop: EchoShop,
    logs: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
    scheme: str,
    mode: str,
) -> None:
    url = request.getfixturevalue(f"{scheme}_echo")
    async with database.transaction() as session:
        shop = await create_shop(
            session, context.secret_box, url=url, consumer_key=KEY, consumer_secret=SECRET, auth_mode=mode,
            verify_tls=False,
        )  # fmt: skip
        await link_family(session, member.family, shop)
        order = await create_order(session, member.family, shop)
    echo_shop.sent.clear()

    synced = await client.post("/api/v1/orders/sync", headers=member.headers)
    status = await client.get("/api/v1/orders/sync/status", headers=member.headers)
    written = await client.put(
        f"/api/v1/orders/{order.id}/status", json={"status": "completed"}, headers=member.headers
    )
    assert (synced.status_code, status.status_code, written.status_code) == (502, 200, 502), synced.text
    async with database.transaction() as session:
        run_errors = list(await session.scalars(select(SyncRun.error)))
        last_errors = list(await session.scalars(select(ShopSyncState.last_error)))
    captured = logs.readouterr()
    log_text = captured.out + captured.err + caplog.text

    pair = f"{KEY}:{SECRET}".encode()
    secrets = {KEY, SECRET, KEY[3:], SECRET[3:], base64.b64encode(pair).decode(), *echo_shop.sent}
    secrets.update(part for value in echo_shop.sent for part in value.split() if len(part) > 12)
    assert echo_shop.sent, "the shop saw no credential: the test would prove nothing"
    members_see = synced.text + status.text + written.text
    stored = json.dumps([run_errors, last_errors])
    for secret in secrets:
        assert secret not in members_see
        assert secret not in stored
        assert secret not in log_text
    for shop_words in (MARKER, "oauth_", "per_page=", "Basic "):  # members get a reason, not the shop's text
        assert shop_words not in members_see
    assert status.json()["syncJob"]["lastRun"]["error"].startswith("The shop rejected the request")
    assert any("per_page=100" in (error or "") for error in last_errors)  # operators keep the shop's words
    assert "[redacted]" in stored
    assert "[redacted]]" not in stored
