"""With SYNC_RUNNER=queue a delivery becomes a `webhooks.refresh` job: the API process only answers the shop, and a
`lumina worker` process brings the named order up to date."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.jobs import runtime
from tests.conftest import make_settings
from tests.lumina.queue.support import empty_queue, poll, start_worker, stop_worker
from tests.lumina.sync.support import Linked
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
