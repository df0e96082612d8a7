"""Start-up and shut-down of the sync machinery in a service process (called from `lumina.lifecycle`).

Embedded mode: the coordinator and the scheduler run here. Queue mode (SYNC_RUNNER=queue): the coordinator runs
only the syncs a request asks for and waits on (`POST /orders/sync`, under the shop's lease), the queue takes the
rest (`POST /orders/sync/all` enqueues), and the workers keep the schedule; no scheduler runs here.

In embedded mode the coordinator runs in a child process (`lumina.jobs.sync_process`, SYNC_ISOLATION=process, the
default): a backfill takes neither the requests' loop nor their interpreter; the scheduler stays here and asks it.
With SYNC_ISOLATION=thread, and in queue mode (the heavy work is the workers'), the coordinator (and the scheduler)
run on a thread and event loop of their own with their own database engine (`lumina.jobs.sync_thread`): a
backfill's pages never queue ahead of the requests' steps on their loop, but share the interpreter.
"""

from __future__ import annotations

from datetime import timedelta

from lumina.config import SyncIsolation
from lumina.context import ServiceContext
from lumina.jobs.daily import housekeeping_for
from lumina.jobs.engine import SyncEngine
from lumina.jobs.scheduler import Scheduler
from lumina.jobs.sync_process import ProcessSync
from lumina.jobs.sync_thread import ThreadedSync
from lumina.logging import get_logger
from lumina.queue import SyncQueue
from lumina.sync import SyncCoordinator
from lumina.sync import metrics as sync_metrics
from lumina.webhooks.upkeep import keep_webhooks

logger = get_logger("lumina.jobs")


def build(context: ServiceContext) -> tuple[SyncCoordinator, Scheduler]:
    """The embedded mode's coordinator and scheduler (not started), on one loop."""
    coordinator = SyncCoordinator(context)
    return coordinator, scheduler_for(context, coordinator)


def scheduler_for(context: ServiceContext, engine: SyncEngine) -> Scheduler:
    """The embedded mode's scheduler of `engine` (not started)."""
    settings = context.settings
    return Scheduler(
        engine,
        context.database,
        interval=timedelta(minutes=settings.sync_interval),
        run_at_start=settings.sync_on_startup,
        retention_days=settings.retention_days,
        housekeeping=housekeeping_for(context),
        after_cycle=[lambda: keep_webhooks(context)],
    )


async def start(context: ServiceContext) -> None:
    """Put the engine in `context.components["sync"]` (a `ProcessSync` or `ThreadedSync`); in embedded mode the
    scheduler too ("scheduler"), started when SCHEDULER_ENABLED (its first cycle at once when SYNC_ON_STARTUP); in
    queue mode the open queue ("queue"). Returns once the engine takes calls."""
    sync_metrics.configure(per_shop=context.settings.metrics_per_shop)
    if context.settings.queued:
        queue = SyncQueue(context.settings)
        await queue.open()
        context.components["queue"] = queue
        context.components["sync"] = await ThreadedSync.start(context, lambda own: (SyncCoordinator(own), None))
        logger.info("sync runs on the task queue: `lumina worker` processes run and schedule it")
        return
    if context.settings.sync_isolation is SyncIsolation.PROCESS:
        child = await ProcessSync.start(context)
        scheduler = scheduler_for(context, child)  # on this loop: it only decides when
        context.components.update(sync=child, scheduler=scheduler)
        start_scheduler = scheduler.start
    else:
        thread = await ThreadedSync.start(context, build)
        context.components.update(sync=thread, scheduler=thread.scheduler)
        start_scheduler = thread.start_scheduler
    if context.settings.scheduler_enabled:
        await start_scheduler()
    else:
        logger.info("scheduler disabled: syncs run only when asked (or on a worker)")


async def stop(context: ServiceContext) -> None:
    """Stop scheduling, let running syncs finish the page in hand (a few seconds at most), release the shops."""
    scheduler: Scheduler | None = context.components.get("scheduler")
    engine: SyncEngine | None = context.components.get("sync")
    queue: SyncQueue | None = context.components.pop("queue", None)
    if isinstance(engine, ThreadedSync):
        await engine.close()  # its scheduler with it, on its thread
    else:
        if scheduler is not None:
            await scheduler.stop()
        if isinstance(engine, ProcessSync):
            await engine.close()
        elif engine is not None:  # parts put on the requests' loop (tests)
            await engine.stop()
    if queue is not None:
        await queue.close()
