"""The queue's jobs, run by `lumina worker` processes.

    sync.shop            one shop's sync (`SyncCoordinator.sync_shop`) under the shop's lease
    sync.tick            every 5 s, by whichever worker takes it: the jobs of dead workers back in the queue,
                         then a `sync.shop` for every shop that is due (its interval after its last success, or
                         the end of its backoff). procrastinate defers a periodic job once per tick across all
                         workers, so there is one schedule, never two fighting.
    housekeeping.daily   retention, expired sign-in records and the queue's jobs that ended 3 days ago, once a day
    webhooks.refresh     the orders a webhook delivery named, re-read from the shop (newer wins)

A shop's webhooks are checked and repaired (when PUBLIC_URL is set) after a scheduled sync that reconciled the
shop, so on the reconciliation schedule (RECONCILE_INTERVAL), not every cycle: the check costs a request to the
shop and a few transactions, and between checks polling alone keeps the mirror exact. Adding or changing a shop
registers its webhooks at once (the admin API), and so does every start of `lumina serve`.

Retries: a shop's own faults are retried by the client and then recorded as a failed run, and the shop backs off
(`next_attempt_at`), so the job itself succeeds. A run stopped by a worker's shutdown is queued again at once for
another worker, from the cursor it committed; a database or network fault before the run began is queued again
with exponential backoff. Both as a new job rather than procrastinate's retry, which would put the same job back
to `todo` and collide with the shop's queueing lock whenever another job for the shop is already waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from procrastinate import JobContext
from sqlalchemy.exc import InterfaceError, OperationalError

from lumina.context import ServiceContext
from lumina.jobs.daily import run_daily_for
from lumina.jobs.due import shop_schedules
from lumina.logging import get_logger
from lumina.models import SyncRunStatus, SyncTrigger
from lumina.queue.facade import QUEUE, REFRESH_TASK, SHOP_TASK, SyncQueue
from lumina.sync import NoShopConfiguredError, SyncAlreadyRunningError, SyncCoordinator
from lumina.sync.engine import SyncOptions
from lumina.sync.runs import SKIPPED
from lumina.webhooks.batcher import apply_hints
from lumina.webhooks.upkeep import keep_webhooks

logger = get_logger("lumina.queue")

RUNTIME = "lumina"
TICK_TASK = "sync.tick"
DAILY_TASK = "housekeeping.daily"
TICK_CRON = "* * * * * */5"  # procrastinate's sixth column: seconds
DAILY_CRON = "17 3 * * *"
MAX_ATTEMPTS = 5
_TRANSIENT = (OperationalError, InterfaceError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class WorkerRuntime:
    """What a worker's jobs need, handed to them through procrastinate's job context."""

    context: ServiceContext
    coordinator: SyncCoordinator
    queue: SyncQueue


def _runtime(job: JobContext) -> WorkerRuntime:
    runtime: WorkerRuntime = job.additional_context[RUNTIME]
    return runtime


def retry_delay(attempt: int) -> float:
    return float(min(5 * 2**attempt, 300))


async def sync_shop(job: JobContext, shop_id: int, trigger: str, attempt: int = 0) -> str:
    runtime = _runtime(job)
    sync_trigger = SyncTrigger(trigger)
    try:
        result = await runtime.coordinator.sync_shop(shop_id, trigger=sync_trigger)
    except SyncAlreadyRunningError:
        logger.info("shop already being synced elsewhere: nothing to do", shop_id=shop_id)
        return "busy"
    except NoShopConfiguredError:
        logger.info("shop removed before its job ran", shop_id=shop_id)
        return "gone"
    except _TRANSIENT as exc:
        if attempt + 1 >= MAX_ATTEMPTS:
            raise
        delay = retry_delay(attempt)
        logger.warning("sync could not start; queued again", shop_id=shop_id, in_seconds=delay, error=str(exc)[:200])
        await runtime.queue.enqueue_shop(shop_id, sync_trigger, attempt=attempt + 1, delay_seconds=delay)
        return "retrying"
    if result.status in (SyncRunStatus.CANCELLED.value, SKIPPED) and runtime.coordinator.stopping:
        await runtime.queue.enqueue_shop(shop_id, sync_trigger, attempt=attempt)
        return "handed over"
    if sync_trigger is SyncTrigger.SCHEDULE and result.reconciled:
        await keep_webhooks(runtime.context, [shop_id])
    return result.status


async def refresh(job: JobContext, shop_id: int, order_ids: list[int]) -> None:
    runtime = _runtime(job)
    await apply_hints(runtime.context, SyncOptions.from_settings(runtime.context.settings), shop_id, order_ids)


async def tick(job: JobContext, timestamp: int) -> int:
    """Take over dead workers' jobs, then queue the shops that are due; returns how many were queued."""
    runtime = _runtime(job)
    settings = runtime.context.settings
    await runtime.queue.take_over_stalled(settings.queue_worker_timeout)
    async with runtime.context.database.transaction() as session:
        schedules = await shop_schedules(session, settings.sync_interval)
    now = datetime.now(UTC)
    return await runtime.queue.enqueue_shops((s.shop_id for s in schedules if s.due(now)), SyncTrigger.SCHEDULE)


async def daily(job: JobContext, timestamp: int) -> None:
    runtime = _runtime(job)
    await runtime.queue.forget_finished()
    await run_daily_for(runtime.context)


def register(queue: SyncQueue) -> None:
    """Declare the jobs on the queue's procrastinate App (every process that runs jobs calls this)."""
    app: Any = queue.app  # procrastinate's decorators are typed for plain functions, not for ours with a context
    app.task(name=SHOP_TASK, queue=QUEUE, pass_context=True)(sync_shop)
    app.task(name=REFRESH_TASK, queue=QUEUE, pass_context=True)(refresh)
    app.periodic(cron=TICK_CRON, periodic_id="due")(
        app.task(name=TICK_TASK, queue=QUEUE, pass_context=True, queueing_lock=TICK_TASK)(tick)
    )
    app.periodic(cron=DAILY_CRON, periodic_id="daily")(
        app.task(name=DAILY_TASK, queue=QUEUE, pass_context=True, queueing_lock=DAILY_TASK)(daily)
    )
