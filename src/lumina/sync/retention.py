"""Retention: orders created more than RETENTION_DAYS ago leave the mirror, runs started more than RUN_HISTORY_DAYS
ago leave the run history (0 keeps everything).

The writer refuses orders created before the same cutoff, so the next sync does not bring them back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from lumina.db import Database
from lumina.logging import get_logger
from lumina.models import CachedOrder, SyncRun, SyncRunStatus

logger = get_logger("lumina.sync")


def retention_cutoff(retention_days: int, now: datetime | None = None) -> datetime | None:
    if retention_days <= 0:
        return None
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


async def remove_expired_orders(database: Database, retention_days: int, *, now: datetime | None = None) -> int:
    """Delete cached orders created before the retention cutoff, for every family; returns how many rows."""
    cutoff = retention_cutoff(retention_days, now)
    if cutoff is None:
        return 0
    async with database.transaction() as session:
        result = await session.execute(delete(CachedOrder).where(CachedOrder.date_created < cutoff))
    removed = int(getattr(result, "rowcount", 0) or 0)
    logger.info("retention applied", retention_days=retention_days, cutoff=cutoff.isoformat(), orders_removed=removed)
    return removed


RUNS_DELETED_AT_ONCE = 5_000  # a transaction each, so a large history goes without holding its locks for long


async def remove_old_runs(database: Database, history_days: int, *, now: datetime | None = None) -> int:
    """Delete runs started before the cutoff (48 a day a shop at the default interval); returns how many. Each
    shop's newest run stays, however old (it is the families' `lastRun`), and so does a run still running."""
    cutoff = retention_cutoff(history_days, now)
    if cutoff is None:
        return 0
    # The newest runs that are past the cutoff (shops that stopped syncing): read once, few. Reading every shop's
    # newest again in each batch would read the whole history each time.
    newest_old = select(func.max(SyncRun.id)).group_by(SyncRun.shop_id).having(func.max(SyncRun.started_at) < cutoff)
    async with database.transaction() as session:
        kept = list(await session.scalars(newest_old))
    batch = (
        select(SyncRun.id)
        .where(SyncRun.started_at < cutoff, SyncRun.status != SyncRunStatus.RUNNING.value, SyncRun.id.not_in(kept))
        .limit(RUNS_DELETED_AT_ONCE)
    )
    removed = 0
    while True:
        async with database.transaction() as session:
            result = await session.execute(delete(SyncRun).where(SyncRun.id.in_(batch)))
        deleted = int(getattr(result, "rowcount", 0) or 0)
        removed += deleted
        if deleted < RUNS_DELETED_AT_ONCE:
            break
    logger.info("run history trimmed", run_history_days=history_days, cutoff=cutoff.isoformat(), runs_removed=removed)
    return removed
