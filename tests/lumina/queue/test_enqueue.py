"""Queueing many shops at once: one batch, never a second waiting job for a shop, never a shop lost because
another one was waiting already."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from procrastinate import exceptions

from lumina.config import Settings
from lumina.db import Database
from lumina.models import SyncTrigger
from lumina.queue import SyncQueue
from lumina.queue.facade import shop_job
from tests.lumina.queue.support import shop_jobs


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[SyncQueue]:
    opened = SyncQueue(settings)
    await opened.open()
    yield opened
    await opened.close()


async def test_a_batch_queues_every_shop_but_those_already_waiting(queue: SyncQueue, database: Database) -> None:
    assert await queue.enqueue_shop(2, SyncTrigger.MANUAL)
    # procrastinate refuses a whole batch when one of its jobs meets a waiting job's queueing lock...
    with pytest.raises(exceptions.AlreadyEnqueued):
        await queue.app.job_manager.batch_defer_jobs_async(
            [shop_job(1, SyncTrigger.SCHEDULE), shop_job(2, SyncTrigger.SCHEDULE)]
        )
    assert [shop for _, _, shop in await shop_jobs(database)] == [2]  # ...and inserts none of it

    # ...so the shops queue leaves out those already waiting, and each shop is in the batch once.
    assert await queue.enqueue_shops([1, 2, 3, 3, 4], SyncTrigger.SCHEDULE) == 3
    assert await queue.enqueue_shops([1, 2, 3, 4], SyncTrigger.SCHEDULE) == 0
    jobs = await shop_jobs(database)
    assert sorted((status, shop) for _, status, shop in jobs) == [("todo", shop) for shop in (1, 2, 3, 4)]
