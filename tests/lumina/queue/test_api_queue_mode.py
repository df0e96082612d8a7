"""The seed's sync endpoints with SYNC_RUNNER=queue: `POST /sync` still runs the family's sync and answers its
counts (409 while a worker holds the shop), `POST /sync/all` enqueues one job per shop (202, never two waiting for
a shop), the status and /metrics read the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.jobs import runtime
from lumina.models import UserRole
from lumina.queue import SyncQueue
from lumina.sync.state import ShopLease
from tests.lumina.orders.test_sync_api import ORDERS, linked_member, visible_on_shop
from tests.lumina.queue.support import shop_jobs
from woosim import ShopConfig, ShopServer, SimulatedShop


@pytest.fixture
async def started(context: ServiceContext) -> AsyncIterator[ServiceContext]:
    """The service's sync machinery as `lumina serve` starts it in queue mode."""
    await runtime.start(context)
    yield context
    await runtime.stop(context)


@pytest.fixture
async def sim() -> AsyncIterator[ShopServer]:
    async with ShopServer(SimulatedShop(ShopConfig(seed=5, order_count=60, days=20))) as server:
        yield server


async def test_queue_mode_runs_no_scheduler_in_the_api_process(started: ServiceContext) -> None:
    assert "queue" in started.components
    assert "scheduler" not in started.components


async def test_a_manual_sync_answers_the_runs_counts(
    client: httpx.AsyncClient, database: Database, started: ServiceContext, sim: ShopServer
) -> None:
    member, shop_id = await linked_member(client, database, started, sim, role=UserRole.MEMBER)

    response = await client.post(f"{ORDERS}/sync", headers=member.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["created"] == visible_on_shop(sim.shop) > 0
    assert body["lastRun"]["status"] == "succeeded"
    assert body["lastRun"]["shopId"] == shop_id
    status = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()["syncJob"]
    assert status["running"] is False  # no worker is alive
    assert status["syncing"] is False
    assert status["lastRun"]["runId"] == body["lastRun"]["runId"]
    assert status["nextRunAt"] is not None


async def test_a_manual_sync_is_refused_with_409_while_another_process_holds_the_shop(
    client: httpx.AsyncClient, database: Database, started: ServiceContext, sim: ShopServer
) -> None:
    member, shop_id = await linked_member(client, database, started, sim, role=UserRole.MEMBER)
    worker_lease = ShopLease(database, shop_id, "another-host:1:worker", timedelta(seconds=60))
    assert await worker_lease.acquire()

    response = await client.post(f"{ORDERS}/sync", headers=member.headers)

    assert response.status_code == 409, response.text
    assert response.json()["error"] == "Conflict"
    status = (await client.get(f"{ORDERS}/sync/status", headers=member.headers)).json()["syncJob"]
    assert status["syncing"] is True


async def test_sync_all_enqueues_one_job_per_shop_and_never_two_waiting(
    client: httpx.AsyncClient, database: Database, started: ServiceContext, sim: ShopServer
) -> None:
    admin, first = await linked_member(client, database, started, sim, role=UserRole.ADMIN)
    _, second = await linked_member(client, database, started, sim, role=UserRole.MEMBER)

    response = await client.post(f"{ORDERS}/sync/all", headers=admin.headers)
    again = await client.post(f"{ORDERS}/sync/all", headers=admin.headers)

    assert response.status_code == again.status_code == 202
    jobs = await shop_jobs(database)
    assert sorted((status, shop) for _, status, shop in jobs) == [("todo", first), ("todo", second)]
    metrics = (await client.get("/metrics")).text
    assert "lumina_queue_jobs_waiting 2.0" in metrics
    assert "lumina_queue_oldest_job_age_seconds" in metrics


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in a /metrics answer (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return float(found.value)
    return 0.0


async def test_metrics_count_runs_orders_and_requests_per_shop_and_show_the_lag(
    client: httpx.AsyncClient, database: Database, started: ServiceContext, sim: ShopServer
) -> None:
    member, shop_id = await linked_member(client, database, started, sim, role=UserRole.MEMBER)
    shop = str(shop_id)
    before = (await client.get("/metrics")).text
    assert (await client.post(f"{ORDERS}/sync", headers=member.headers)).status_code == 200

    after = (await client.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("lumina_sync_runs_total", shop=shop, outcome="succeeded") == 1
    assert grew("lumina_sync_orders_written_total", shop=shop, kind="created") == visible_on_shop(sim.shop)
    assert grew("lumina_shop_requests_total", shop=shop, outcome="ok") >= 1
    assert grew("lumina_shop_requests_total", shop=shop, outcome="failed") == 0
    assert grew("lumina_sync_run_duration_seconds_count", outcome="succeeded") == 1
    assert 0 <= sample(after, "lumina_sync_lag_seconds", shop=shop) < 60


async def test_jobs_that_ended_are_forgotten_after_a_while_and_waiting_ones_never(
    client: httpx.AsyncClient, database: Database, started: ServiceContext, sim: ShopServer
) -> None:
    admin, first = await linked_member(client, database, started, sim, role=UserRole.ADMIN)
    _, second = await linked_member(client, database, started, sim, role=UserRole.MEMBER)
    await client.post(f"{ORDERS}/sync/all", headers=admin.headers)
    async with database.transaction() as session:
        await session.execute(text("SET LOCAL search_path TO procrastinate"))  # its triggers name its types so
        await session.execute(
            text(
                "UPDATE procrastinate.procrastinate_jobs SET status = 'succeeded' WHERE (args->>'shop_id')::int = :shop"
            ),
            {"shop": first},
        )
    queue: SyncQueue = started.components["queue"]

    await queue.forget_finished(older_than_hours=1)
    assert len(await shop_jobs(database)) == 2
    await queue.forget_finished(older_than_hours=0)

    assert [(status, shop) for _, status, shop in await shop_jobs(database)] == [("todo", second)]
