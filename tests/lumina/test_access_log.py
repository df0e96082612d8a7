"""One access line per request, and the request's id on every line it causes and in `X-Request-ID`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lumina.db import Database
from lumina.logging import configure_logging
from tests.factories import DEFAULT_PASSWORD
from tests.lumina.auth.support import sign_in


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", "json")
    yield capsys
    root.handlers[:] = handlers
    root.setLevel(level)


def records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


async def test_each_request_is_one_line_with_route_status_duration_and_id(
    client: httpx.AsyncClient, database: Database, logs: pytest.CaptureFixture[str]
) -> None:
    member = await sign_in(client, database)
    records(logs)

    answer = await client.get("/api/v1/orders/4711?consumer_secret=cs_in_the_query_0099", headers=member.headers)

    [access] = [record for record in records(logs) if record["logger"] == "lumina.access"]
    assert answer.status_code == 404
    assert access["event"] == "request"
    assert access["method"] == "GET"
    assert access["route"] == "/api/v1/orders/{order_id}"
    assert access["status"] == 404
    assert isinstance(access["duration_ms"], float)
    assert access["request_id"] == answer.headers["X-Request-ID"]
    text = json.dumps(access)
    assert "cs_in_the_query_0099" not in text
    assert "4711" not in text
    assert member.access_token not in text


async def test_the_id_is_on_every_line_of_its_request_and_a_sane_incoming_one_is_kept(
    client: httpx.AsyncClient, database: Database, logs: pytest.CaptureFixture[str]
) -> None:
    member = await sign_in(client, database)
    records(logs)

    answer = await client.post(
        "/api/v1/auth/login",
        json={"email": member.user.email, "password": DEFAULT_PASSWORD},
        headers={"X-Request-ID": "edge-7f3a.42"},
    )

    lines = records(logs)
    assert answer.headers["X-Request-ID"] == "edge-7f3a.42"
    assert {record["event"] for record in lines} >= {"login succeeded", "request"}
    assert {record["request_id"] for record in lines} == {"edge-7f3a.42"}


@pytest.mark.parametrize("incoming", ["", "has spaces in it", "x" * 200, "<script>", '{"json": 1}'])
async def test_an_unfit_incoming_id_is_replaced(
    client: httpx.AsyncClient, logs: pytest.CaptureFixture[str], incoming: str
) -> None:
    answer = await client.get("/healthz", headers={"X-Request-ID": incoming})
    [access] = records(logs)
    assert answer.headers["X-Request-ID"] != incoming
    assert len(answer.headers["X-Request-ID"]) == 32
    assert access["request_id"] == answer.headers["X-Request-ID"]


async def test_a_request_no_route_matches_logs_its_path_without_the_query(
    client: httpx.AsyncClient, logs: pytest.CaptureFixture[str]
) -> None:
    await client.get("/no/such/page?token=abc123")
    [access] = [record for record in records(logs) if record["logger"] == "lumina.access"]
    assert access["route"] is None
    assert access["path"] == "/no/such/page"
    assert access["status"] == 404
    assert "abc123" not in json.dumps(access)


async def test_openapi_documents_the_request_id_header_on_every_answer(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "X-Request-ID" in document["components"]["headers"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                assert response["headers"]["X-Request-ID"] == {"$ref": "#/components/headers/X-Request-ID"}
