"""Every operation of the OpenAPI document, fed what the document allows and what it refuses (schemathesis), as an
administrator and as a member, over real HTTP: the service may refuse, never fail (no 500, no 5xx that the operation
does not document, no dropped connection).

Kept small (a few examples per operation and mode) so that it runs in every CI run in seconds; the examples are
derived from a fixed seed, so a run that fails fails again the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from lumina.app import create_app
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import UserRole
from tests.lumina.auth.support import sign_in
from tests.lumina.serving import serving

EXAMPLES = 6  # per operation and generation mode: enough to reach each bound, small enough for every CI run
# Adding a shop reaches out to the URL it is given: generated URLs would make the test depend on the network.
SKIPPED = {("POST", "/api/v1/admin/shops")}


@dataclass
class Server:
    base_url: str
    document: dict[str, Any]


@pytest.fixture
async def server(context: ServiceContext) -> AsyncIterator[Server]:
    app = create_app(context=context)
    async with serving(app) as base_url:
        yield Server(base_url, app.openapi())


def _fuzz(server: Server, signed_in: Callable[[], dict[str, str]]) -> list[str]:
    """Runs in a worker thread (schemathesis calls with `requests`), while the event loop serves; the failures.
    Each operation is tried by a user signed in for it: an earlier one may have changed or removed the previous."""
    schema = schemathesis.openapi.from_dict(server.document)
    failures: list[str] = []
    with requests.Session() as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            for mode in schemathesis.GenerationMode:
                cases = operation.as_strategy(generation_mode=mode)
                failure = _first_failure(cases, server, http, signed_in())
                if failure:
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {failure}")
    return failures


def _first_failure(
    cases: st.SearchStrategy[schemathesis.Case], server: Server, http: requests.Session, headers: dict[str, str]
) -> str | None:
    """The simplest failing request hypothesis finds among a few, or None. A failure is an error of ours (500), a
    5xx the operation does not document (502 and 503 name a shop's or the sync engine's state), or no answer."""
    failures: list[str] = []

    @seed(11)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=cases)
    def attempt(case: schemathesis.Case) -> None:
        try:
            response = case.call(base_url=server.base_url, session=http, headers=headers, timeout=30)
        except requests.ConnectionError as exc:
            failures.append(f"{case.as_curl_command()}: no answer ({exc})")
            raise AssertionError from exc
        documented = str(response.status_code) in case.operation.definition.raw.get("responses", {})
        if response.status_code == 500 or (response.status_code > 500 and not documented):
            failures.append(f"{case.as_curl_command()}: {response.status_code} {response.text[:300]}")
            raise AssertionError(response.status_code)

    try:
        attempt()
    except AssertionError:
        return failures[-1]  # the last is the shrunk one
    except Unsatisfiable:
        pass  # an operation with no input has nothing to get wrong in the negative mode
    return None


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.MEMBER])
async def test_no_generated_request_makes_the_service_fail(
    server: Server, client: httpx.AsyncClient, database: Database, role: UserRole
) -> None:
    loop = asyncio.get_running_loop()

    def signed_in() -> dict[str, str]:
        return asyncio.run_coroutine_threadsafe(sign_in(client, database, role=role), loop).result().headers

    failures = await asyncio.to_thread(_fuzz, server, signed_in)

    assert not failures, "\n".join(failures)
