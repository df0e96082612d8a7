"""With SYNC_RUNNER=queue a delivery becomes a `webhooks.refresh` job: the API process only answers the shop, and a
`lumina worker` process brings the named order up to date."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from procrastinate import JobContext
from sqlalchemy import text

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.jobs import runtime
from lumina.models import SyncTrigger
from lumina.queue import SyncQueue
from lumina.queue.facade import shop_job
from lumina.queue.tasks import RUNTIME, WorkerRuntime, sync_shop
from tests.conftest import make_settings
from tests.lumina.queue.support import empty_queue, poll, start_worker, stop_worker
from tests.lumina.sync.support import Linked, make_coordinator
from tests.lumina.webhooks.support import register, row, synced
from woosim import SimulatedShop


@pytest.fixture
async def settings(tmp_path: Path, database: Database, listening_socket: socket.socket) -> Settings:
    if database.is_sqlite:
        pytest.skip("the task queue runs on PostgreSQL only")
    await empty_queue(database)
    port = listening_socket.getsockname()[1]
    return make_settings(
        tmp_path, database.url, sync_requests_per_second=1000.0, retention_days=0, sync_runner="queue",
        public_url=f"http://127.0.0.1:{port}",
    )  # fmt: skip


@pytest.fixture
async def queued(service: ServiceContext) -> AsyncIterator[ServiceContext]:
    """The API process's sync machinery as `lumina serve` starts it in queue mode: the queue open, no scheduler."""
    await runtime.start(service)
    yield service
    await runtime.stop(service)


async def refresh_jobs(database: Database) -> list[tuple[int, list[int]]]:
    async with database.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT (args->>'shop_id')::int, args->'order_ids' FROM procrastinate.procrastinate_jobs"
                " WHERE task_name = 'webhooks.refresh' ORDER BY id"
            )
        )
        return [(shop_id, list(order_ids)) for shop_id, order_ids in rows]


async def test_a_delivery_becomes_a_job_that_a_worker_applies(
    queued: ServiceContext, linked: Linked, woo_shop: SimulatedShop
) -> None:
    await synced(queued, linked.shop_id)
    assert (await register(queued, linked.shop_id)).created == 4
    order_id = next(i for i in woo_shop.order_ids() if woo_shop.get_order(i)["status"] == "processing")
    woo_shop.update_order(order_id, status="completed")

    assert await asyncio.to_thread(woo_shop.webhooks.flush)  # our receiver answers on this loop

    assert await refresh_jobs(queued.database) == [(linked.shop_id, [order_id])]
    before = await row(queued, linked.shop_id, order_id)
    assert before is not None
    assert before.status == "processing"  # the API process only queued it
    worker = start_worker(queued)
    try:

        async def applied() -> bool:
            after = await row(queued, linked.shop_id, order_id)
            return after is not None and after.status == "completed"

        await poll(applied, worker)
    finally:
        code, _out, err = await stop_worker(worker)
    assert code == 0, err


async def test_a_scheduled_job_checks_the_shop_s_webhooks_only_after_a_reconciliation(
    queued: ServiceContext, linked: Linked, woo_shop: SimulatedShop
) -> None:
    await synced(queued, linked.shop_id)
    queue: SyncQueue = queued.components["queue"]

    async def scheduled_job(reconcile_every: timedelta) -> str:
        worker = WorkerRuntime(queued, make_coordinator(queued, reconcile_every=reconcile_every), queue)
        job = JobContext(app=queue.app, job=shop_job(linked.shop_id, SyncTrigger.SCHEDULE), start_timestamp=time.time(),
                         additional_context={RUNTIME: worker}, abort_reason=lambda: None)  # fmt: skip
        return await sync_shop(job, linked.shop_id, SyncTrigger.SCHEDULE.value)

    woo_shop.reset_request_counts()
    assert await scheduled_job(reconcile_every=timedelta(hours=6)) == "succeeded"
    assert woo_shop.request_counts["webhooks"] == 0  # an unchanged shop's cycle: one listing, nothing else
    assert woo_shop.request_counts["total"] == 1

    assert await scheduled_job(reconcile_every=timedelta(0)) == "succeeded"
    assert woo_shop.request_counts["webhooks"] > 0  # checked, and registered: PUBLIC_URL is set
    assert sorted(hook.topic for hook in woo_shop.webhooks.all()) == sorted(
        ["order.created", "order.updated", "order.deleted", "order.restored"]
    )
