"""The service's only door to the task queue: enqueue shop syncs, take over dead workers' jobs, read the depth.

Per-shop deduplication is procrastinate's queueing lock (at most one *waiting* job per shop: enqueueing a shop
that already waits is a no-op) plus its job lock (a shop's jobs run one after the other), under the shop's own
lease in the database (one run at a time whoever starts it: a worker, `POST /orders/sync`, `lumina sync`).

Many shops are queued in one statement (procrastinate's batch insert). That insert is one statement: a single
shop's queueing lock makes all of it fail, so the shops already waiting are left out first, and if one was queued
meanwhile the batch is made again without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate import exceptions
from procrastinate.jobs import Job, Status
from procrastinate.psycopg_connector import PsycopgConnector
from procrastinate.types import JSONValue

from lumina.config import Settings
from lumina.logging import get_logger
from lumina.models import SyncTrigger
from lumina.queue.pool import queue_pool
from lumina.queue.schema import SCHEMA

logger = get_logger("lumina.queue")

QUEUE = "sync"
SHOP_TASK = "sync.shop"
REFRESH_TASK = "webhooks.refresh"
FINISHED_JOBS_KEPT_HOURS = 72  # ended jobs stay this long, for an operator to look into
# Batches made again when shops were queued by someone else between reading what waits and inserting.
BATCH_ATTEMPTS = 3

_DEPTH = f"""
SELECT count(*) AS waiting,
       EXTRACT(EPOCH FROM now() - min(COALESCE(job.scheduled_at, deferred.at)))::float AS oldest
  FROM {SCHEMA}.procrastinate_jobs job
  LEFT JOIN LATERAL (
       SELECT max(event.at) AS at FROM {SCHEMA}.procrastinate_events event
        WHERE event.job_id = job.id AND event.type IN ('deferred', 'deferred_for_retry', 'retried')
  ) deferred ON true
 WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= now())
"""  # noqa: S608 - the schema name is a constant
_WAITING_LOCKS = f"""
SELECT queueing_lock FROM {SCHEMA}.procrastinate_jobs WHERE status = 'todo' AND queueing_lock = ANY(%(locks)s)
"""  # noqa: S608 - the schema name is a constant
_LIVE_WORKERS = f"""
SELECT count(*) AS workers FROM {SCHEMA}.procrastinate_workers
 WHERE last_heartbeat > now() - make_interval(secs => %(seconds)s)
"""  # noqa: S608 - the schema name is a constant


@dataclass(frozen=True, slots=True)
class QueueDepth:
    waiting: int  # jobs ready to run that no worker has taken yet
    oldest_age_seconds: float  # how long the oldest of them has waited (0 when none)


def shop_lock(shop_id: int) -> str:
    return f"shop:{shop_id}"


def shop_job(shop_id: int, trigger: SyncTrigger, *, attempt: int = 0, delay_seconds: float = 0) -> Job:
    """A `sync.shop` job, locked to the shop: one runs at a time, one waits at a time."""
    return Job(
        queue=QUEUE,
        task_name=SHOP_TASK,
        lock=shop_lock(shop_id),
        queueing_lock=shop_lock(shop_id),
        task_kwargs={"shop_id": shop_id, "trigger": trigger.value, "attempt": attempt},
        scheduled_at=datetime.now(UTC) + timedelta(seconds=delay_seconds) if delay_seconds else None,
    )


def conninfo(settings: Settings) -> str:
    """libpq's form of DATABASE_URL (procrastinate talks to PostgreSQL through psycopg, SQLAlchemy through asyncpg)."""
    url = settings.async_database_url
    return "postgresql://" + url.split("://", 1)[1]


class SyncQueue:
    """A procrastinate App over the service's PostgreSQL, opened for the life of the process."""

    def __init__(self, settings: Settings, *, max_connections: int = 4) -> None:
        self.settings = settings
        connector = PsycopgConnector(
            pool_factory=queue_pool,
            conninfo=conninfo(settings),
            min_size=1,
            max_size=max_connections,
            kwargs={"options": f"-c search_path={SCHEMA}"},
        )
        self.app = procrastinate.App(connector=connector)

    async def open(self) -> None:
        await self.app.open_async()

    async def close(self) -> None:
        await self.app.close_async()

    async def enqueue_shop(
        self, shop_id: int, trigger: SyncTrigger, *, attempt: int = 0, delay_seconds: float = 0
    ) -> bool:
        """Queue a sync of the shop; False when one is already waiting (it will do)."""
        job = shop_job(shop_id, trigger, attempt=attempt, delay_seconds=delay_seconds)
        try:
            await self.app.job_manager.defer_job_async(job)
        except exceptions.AlreadyEnqueued:
            return False
        return True

    async def enqueue_refresh(self, shop_id: int, order_ids: Iterable[int]) -> None:
        """Queue the re-reading of orders a webhook named. No lock: the writer's newer-wins rule makes a refresh
        safe beside a running sync of the shop, and a delivery should not wait behind a long backfill."""
        await self.app.configure_task(REFRESH_TASK, queue=QUEUE).defer_async(
            shop_id=shop_id, order_ids=list[JSONValue](order_ids)
        )

    async def enqueue_shops(self, shop_ids: Iterable[int], trigger: SyncTrigger) -> int:
        """Queue every shop that has no job waiting, in one batch; returns how many were queued."""
        wanted = list(dict.fromkeys(shop_ids))
        for _ in range(BATCH_ATTEMPTS):
            rows = await self.app.connector.execute_query_all_async(
                _WAITING_LOCKS, locks=[shop_lock(shop_id) for shop_id in wanted]
            )
            waiting = {row["queueing_lock"] for row in rows}
            jobs = [shop_job(shop_id, trigger) for shop_id in wanted if shop_lock(shop_id) not in waiting]
            if not jobs:
                return 0
            try:
                await self.app.job_manager.batch_defer_jobs_async(jobs)
            except exceptions.AlreadyEnqueued:
                continue  # the whole batch was refused: read what waits now and make it again
            logger.info("shops queued", shops=len(jobs), trigger=trigger.value)
            return len(jobs)
        return sum([await self.enqueue_shop(shop_id, trigger) for shop_id in wanted])

    async def take_over_stalled(self, seconds_since_heartbeat: float) -> int:
        """Put the jobs of workers silent for that long back in the queue; when the shop has a job waiting
        already, the stalled one is closed as failed instead (the waiting one does its work)."""
        manager = self.app.job_manager
        taken = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
            try:
                await manager.retry_job(job)
            except exceptions.UniqueViolation:
                await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            taken += 1
            logger.warning("job of a stopped worker taken over", job_id=job.id, task=job.task_name, **job.task_kwargs)
        return taken

    async def forget_finished(self, older_than_hours: int = FINISHED_JOBS_KEPT_HOURS) -> None:
        """Delete jobs that ended that long ago (a tick every 5 s alone leaves 17,280 a day)."""
        await self.app.job_manager.delete_old_jobs(
            nb_hours=older_than_hours, include_failed=True, include_cancelled=True, include_aborted=True
        )

    async def depth(self) -> QueueDepth:
        row = await self.app.connector.execute_query_one_async(_DEPTH)
        return QueueDepth(waiting=int(row["waiting"]), oldest_age_seconds=float(row["oldest"] or 0.0))

    async def live_workers(self) -> int:
        timeout = self.settings.queue_worker_timeout
        row = await self.app.connector.execute_query_one_async(_LIVE_WORKERS, seconds=timeout)
        return int(row["workers"])
