"""The daily housekeeping, run by the embedded scheduler or by the queue's workers: orders past retention, runs past
the history's, expired sign-in records. One failing job never keeps the others from running."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from lumina.auth.service import purge_expired
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.logging import get_logger
from lumina.sync.retention import remove_expired_orders, remove_old_runs

logger = get_logger("lumina.jobs")

DailyJob = Callable[[], Awaitable[object]]


async def purge_expired_credentials(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        tokens, throttles = await purge_expired(session, context)
    logger.info("expired sign-in records removed", refresh_tokens=tokens, throttle_rows=throttles)


async def run_daily(
    database: Database, retention_days: int, housekeeping: Sequence[DailyJob], now: datetime | None = None
) -> None:
    """Orders past retention (unless RETENTION_DAYS=0), then the other housekeeping."""
    moment = now or datetime.now(UTC)
    jobs: list[DailyJob] = list(housekeeping)
    if retention_days > 0:
        jobs.insert(0, lambda: remove_expired_orders(database, retention_days, now=moment))
    for job in jobs:
        try:
            await job()
        except Exception:  # one failing job must not keep the others (or the next sync) from running
            logger.exception("daily job failed")


def housekeeping_for(context: ServiceContext) -> list[DailyJob]:
    """The daily jobs besides the orders' retention."""
    return [
        lambda: remove_old_runs(context.database, context.settings.run_history_days),
        lambda: purge_expired_credentials(context),
    ]


async def run_daily_for(context: ServiceContext) -> None:
    await run_daily(context.database, context.settings.retention_days, housekeeping_for(context))
