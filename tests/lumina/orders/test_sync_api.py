"""POST /sync, POST /sync/all and GET /sync/status with the real coordinator and scheduler, against the simulated
shop on a real loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.jobs.scheduler import Scheduler
from lumina.jobs.sync_thread import ThreadedSync
from lumina.models import UserRole
from lumina.orders.sync_control import wait_for_background_runs
from lumina.sync import SyncCoordinator
from tests.conftest import make_settings
from tests.factories import create_shop, link_family
from tests.lumina.auth.support import SignedIn, sign_in
from tests.lumina.sync.support import hold_listing, make_coordinator, wait_until
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop

ORDERS = "/api/v1/orders"
RUN_KEYS = {
    "runId", "shopId", "trigger", "status", "processed", "created", "updated", "unchanged", "deleted", "requests",
    "pages", "startedAt", "finishedAt", "durationSeconds", "error",
}  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """No politeness delay between requests: the shop is local."""
    return make_settings(tmp_path, database.url, sync_requests_per_second=1000.0, retention_days=0)


@pytest.fixture
async def engine(context: ServiceContext) -> AsyncIterator[ThreadedSync]:
    """The coordinator and the (not started) scheduler in the context, on their own thread, loop and database
    engine, as the service's start-up puts them."""

    def parts(own: ServiceContext) -> tuple[SyncCoordinator, Scheduler]:
        coordinator = make_coordinator(own)
        interval = timedelta(minutes=own.settings.sync_interval)
        return coordinator, Scheduler(coordinator, own.database, interval=interval, run_at_start=False)

    engine = await ThreadedSync.start(context, parts)
    context.components.update(sync=engine, scheduler=engine.scheduler)
    yield engine
    await wait_for_background_runs()
    await engine.close()


@pytest.fixture
async def sim() -> AsyncIterator[ShopServer]:
    async with ShopServer(SimulatedShop(ShopConfig(seed=5, order_count=60, days=20))) as server:
        yield server


async def linked_member(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, server: ShopServer, *, role: UserRole
) -> tuple[SignedIn, int]:
    who = await sign_in(client, database, role=role)
    key = server.shop.read_write_key
    async with database.transaction() as session:
        row = await create_shop(
            session, context.secret_box, url=server.base_url, consumer_key=key.consumer_key,
            consumer_secret=key.consumer_secret,
        )  # fmt: skip
        await link_family(session, who.family, row)
    return who, row.id


@pytest.fixture
async def linked(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, sim: ShopServer, engine: ThreadedSync
) -> tuple[SignedIn, int]:
    return await linked_member(client, database, context, sim, role=UserRole.MEMBER)


def visible_on_shop(shop: SimulatedShop) -> int:
    return sum(1 for doc in shop.orders_snapshot().values() if doc["status"] not in ("trash", "checkout-draft"))


async def test_a_manual_sync_fills_the_cache_and_answers_the_seed_shape(
    client: httpx.AsyncClient, sim: ShopServer, linked: tuple[SignedIn, int]
) -> None:
    member, shop_id = linked

    response = await client.post(f"{ORDERS}/sync", json={"daysBack": 30}, headers=member.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "message", "processed", "created", "updated", "unchanged", "deleted", "durationSeconds", "lastRun",
    }  # fmt: skip
    assert body["message"] == "Sync completed"
    assert body["created"] == visible_on_shop(sim.shop) > 0
    assert body["processed"] >= body["created"]
    assert set(body["lastRun"]) == RUN_KEYS
    assert body["lastRun"]["status"] == "succeeded"
    assert body["lastRun"]["trigger"] == "manual"
    assert body["lastRun"]["shopId"] == shop_id
    listed = (await client.get(ORDERS, headers=member.headers)).json()
    assert listed["count"] == visible_on_shop(sim.shop)
    stats = (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]
    assert stats["total_orders"] == listed["count"]
    assert stats["last_sync"] is not None

    again = await client.post(f"{ORDERS}/sync", headers=member.headers)  # no body at all
    assert again.status_code == 200
    assert again.json()["created"] == 0


async def test_reads_cached_before_a_manual_sync_show_its_orders_right_after(
    client: httpx.AsyncClient, sim: ShopServer, linked: tuple[SignedIn, int]
) -> None:
    member, _ = linked
    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == 0
    assert (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]["last_sync"] is None

    assert (await client.post(f"{ORDERS}/sync", headers=member.headers)).status_code == 200

    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == visible_on_shop(sim.shop)
    assert (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]["last_sync"] is not None


async def test_sync_status_has_the_seed_shape_and_the_familys_last_run(
    client: httpx.AsyncClient, context: ServiceContext, linked: tuple[SignedIn, int]
) -> None:
    member, shop_id = linked
    before = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()
    assert before == {
        "syncJob": {"running": False, "syncing": False, "intervalMinutes": 30, "nextRunAt": None, "lastRun": None},
        "woocommerceConfigured": True,
    }
    await client.post(f"{ORDERS}/sync", headers=member.headers)
    engine: ThreadedSync = context.components["sync"]
    await engine.start_scheduler()

    after = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()

    job = after["syncJob"]
    assert job["running"] is True
    assert job["nextRunAt"].endswith("Z")
    assert job["lastRun"]["status"] == "succeeded"
    assert job["lastRun"]["shopId"] == shop_id
    assert set(job["lastRun"]) == RUN_KEYS


async def test_a_family_without_a_shop_is_not_configured_and_cannot_sync(
    client: httpx.AsyncClient, engine: ThreadedSync, member: SignedIn
) -> None:
    status = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()
    assert status["woocommerceConfigured"] is False
    assert status["syncJob"]["lastRun"] is None

    response = await client.post(f"{ORDERS}/sync", headers=member.headers)

    assert response.status_code == 503
    assert response.json()["error"] == "Service Unavailable"
    assert "WC_STORE_URL" in response.json()["message"]


async def test_another_familys_runs_are_not_shown(
    client: httpx.AsyncClient, database: Database, linked: tuple[SignedIn, int]
) -> None:
    member, _ = linked
    await client.post(f"{ORDERS}/sync", headers=member.headers)
    stranger = await sign_in(client, database)
    status = (await client.get(f"{ORDERS}/sync/status", headers=stranger.headers)).json()
    assert status["syncJob"]["lastRun"] is None
    assert status["woocommerceConfigured"] is False


async def test_a_second_sync_of_a_busy_shop_answers_409_and_status_shows_it_syncing(
    client: httpx.AsyncClient, sim: ShopServer, engine: ThreadedSync, linked: tuple[SignedIn, int]
) -> None:
    member, shop_id = linked
    hold = hold_listing(sim.shop)
    first = asyncio.create_task(client.post(f"{ORDERS}/sync", headers=member.headers))
    try:
        await wait_until(hold.held.is_set)  # the first sync waits for the shop's answer
        assert engine.is_syncing(shop_id)
        second = await client.post(f"{ORDERS}/sync", headers=member.headers)
        status = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()
    finally:
        hold.release()

    assert second.status_code == 409, second.text
    assert second.json()["error"] == "Conflict"
    assert status["syncJob"]["syncing"] is True
    assert (await first).status_code == 200


async def test_a_sync_the_shop_fails_answers_502_with_the_run(
    client: httpx.AsyncClient, sim: ShopServer, linked: tuple[SignedIn, int]
) -> None:
    member, _ = linked
    sim.shop.faults.add(FaultRule(kind="status", status=403, match="GET /wp-json/wc/v3/orders"))

    response = await client.post(f"{ORDERS}/sync", headers=member.headers)

    assert response.status_code == 502, response.text
    body = response.json()
    assert body["error"] == "Bad Gateway"
    assert body["lastRun"]["status"] == "failed"
    assert body["lastRun"]["error"]
    key = sim.shop.read_write_key
    assert key.consumer_key not in response.text
    assert key.consumer_secret not in response.text


async def test_the_family_lists_its_shops_last_runs_with_their_errors(
    client: httpx.AsyncClient, database: Database, sim: ShopServer, linked: tuple[SignedIn, int]
) -> None:
    member, shop_id = linked
    assert (await client.post(f"{ORDERS}/sync", headers=member.headers)).status_code == 200
    outage = sim.shop.faults.add(FaultRule(kind="status", status=401, match="GET /wp-json/wc/v3/orders"))
    assert (await client.post(f"{ORDERS}/sync", headers=member.headers)).status_code == 502
    sim.shop.faults.remove(outage)

    listed = await client.get(f"{ORDERS}/sync/runs", headers=member.headers)

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["count"], body["total"], body["limit"], body["offset"]) == (2, 2, 10, 0)
    failed, succeeded = body["runs"]
    assert set(failed) == RUN_KEYS
    assert (failed["status"], failed["shopId"], failed["trigger"]) == ("failed", shop_id, "manual")
    assert "401" in failed["error"]
    key = sim.shop.read_write_key
    assert key.consumer_key not in listed.text
    assert key.consumer_secret not in listed.text
    assert (succeeded["status"], succeeded["error"], succeeded["processed"]) == (
        "succeeded", None, visible_on_shop(sim.shop),
    )  # fmt: skip
    second = (await client.get(f"{ORDERS}/sync/runs?limit=1&offset=1", headers=member.headers)).json()
    assert [run["runId"] for run in second["runs"]] == [succeeded["runId"]]
    stranger = await sign_in(client, database)
    assert (await client.get(f"{ORDERS}/sync/runs", headers=stranger.headers)).json()["runs"] == []


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "offset=-1", "limit=ten"])
async def test_a_page_of_runs_outside_its_bounds_is_refused(
    client: httpx.AsyncClient, member: SignedIn, query: str
) -> None:
    response = await client.get(f"{ORDERS}/sync/runs?{query}", headers=member.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Bad Request"


@pytest.mark.parametrize(
    "body",
    [
        {"daysBack": 0},
        {"daysBack": 366},
        {"daysBack": -5},
        {"daysBack": "thirty"},
        {"daysBack": "30"},
        {"daysBack": 1.5},
        {"daysBack": True},
        {"days": 3},
    ],
)
async def test_days_back_outside_1_to_365_is_refused(
    client: httpx.AsyncClient, linked: tuple[SignedIn, int], body: dict[str, object]
) -> None:
    member, _ = linked
    response = await client.post(f"{ORDERS}/sync", json=body, headers=member.headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["error"] == "Bad Request"
    assert problem["fields"][0]["field"] in ("daysBack", "days")


async def test_sync_all_is_for_administrators_and_runs_in_the_background(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, sim: ShopServer, engine: ThreadedSync
) -> None:
    member, _ = await linked_member(client, database, context, sim, role=UserRole.MEMBER)
    admin = await sign_in(client, database, role=UserRole.ADMIN)

    refused = await client.post(f"{ORDERS}/sync/all", headers=member.headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "Forbidden"
    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == 0

    accepted = await client.post(f"{ORDERS}/sync/all", headers=admin.headers)
    assert accepted.status_code == 202
    assert accepted.json() == {"message": "Sync of all shops started"}

    await wait_for_background_runs()
    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == visible_on_shop(sim.shop)


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/sync"), ("POST", "/sync/all"), ("GET", "/sync/status"), ("GET", "/sync/runs")]
)
async def test_sync_endpoints_need_a_token(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, f"{ORDERS}{path}")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "No token provided"}


async def test_without_the_sync_engine_running_a_sync_answers_503(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.post(f"{ORDERS}/sync", headers=member.headers)
    assert response.status_code == 503
    status = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()
    assert status["syncJob"]["running"] is False
