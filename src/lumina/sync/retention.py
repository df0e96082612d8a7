"""Retention: orders created more than RETENTION_DAYS ago leave the mirror (0 keeps everything).

The writer refuses orders created before the same cutoff, so the next sync does not bring them back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from lumina.db import Database
from lumina.logging import get_logger
from lumina.models import CachedOrder

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
