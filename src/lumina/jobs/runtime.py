"""Start-up and shut-down of the sync machinery in a service process (called from `lumina.lifecycle`)."""

from __future__ import annotations

from datetime import timedelta

from lumina.auth.service import purge_expired
from lumina.context import ServiceContext
from lumina.jobs.scheduler import Scheduler
from lumina.logging import get_logger
from lumina.sync import SyncCoordinator

logger = get_logger("lumina.jobs")


def build(context: ServiceContext) -> tuple[SyncCoordinator, Scheduler]:
    settings = context.settings
    coordinator = SyncCoordinator(context)
    scheduler = Scheduler(
        coordinator,
        context.database,
        interval=timedelta(minutes=settings.sync_interval),
        run_at_start=settings.sync_on_startup,
        retention_days=settings.retention_days,
        housekeeping=[lambda: _purge_expired_credentials(context)],
    )
    return coordinator, scheduler


async def _purge_expired_credentials(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        tokens, throttles = await purge_expired(session, context)
    logger.info("expired sign-in records removed", refresh_tokens=tokens, throttle_rows=throttles)


async def start(context: ServiceContext) -> None:
    """Put the coordinator and the scheduler in `context.components` ("sync", "scheduler") and start the
    scheduler when SCHEDULER_ENABLED (its first cycle at once when SYNC_ON_STARTUP). Returns at once."""
    coordinator, scheduler = build(context)
    context.components["sync"] = coordinator
    context.components["scheduler"] = scheduler
    if context.settings.scheduler_enabled:
        await scheduler.start()
    else:
        logger.info("scheduler disabled: syncs run only when asked (or on a worker)")


async def stop(context: ServiceContext) -> None:
    """Stop scheduling, let running syncs finish the page in hand (a few seconds at most), release the shops."""
    scheduler: Scheduler | None = context.components.get("scheduler")
    coordinator: SyncCoordinator | None = context.components.get("sync")
    if scheduler is not None:
        await scheduler.stop()
    if coordinator is not None:
        await coordinator.stop()
