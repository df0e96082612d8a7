"""Figures read from the database when Prometheus scrapes the API: each shop's lag and, in queue mode, the queue's
depth and its oldest waiting job's age. They are the same from every API process; alert on their max()."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Gauge
from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import ShopConnection, ShopSyncState
from lumina.queue import SyncQueue
from lumina.sync import metrics as sync_metrics

QUEUE_WAITING = Gauge("lumina_queue_jobs_waiting", "Queued jobs ready to run that no worker has taken yet.")
QUEUE_OLDEST = Gauge("lumina_queue_oldest_job_age_seconds", "How long the oldest waiting job has waited.")


async def refresh(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        rows = await session.execute(
            select(ShopConnection.id, ShopSyncState.last_success_at).outerjoin(
                ShopSyncState, ShopSyncState.shop_id == ShopConnection.id
            )
        )
        sync_metrics.set_lag([(row.id, row.last_success_at) for row in rows], datetime.now(UTC))
    queue: SyncQueue | None = context.components.get("queue")
    if queue is not None:
        depth = await queue.depth()
        QUEUE_WAITING.set(depth.waiting)
        QUEUE_OLDEST.set(depth.oldest_age_seconds)
