"""The sync endpoints' side of the sync engine: run a family's sync now, start everyone's, report the status.

The engine (`context.components["sync"]`, on a thread of its own: `lumina.jobs.sync_thread`) and the scheduler
(`context.components["scheduler"]`), or in queue mode the queue (`context.components["queue"]`), are started with
the service; this module only asks them and turns their answers into the seed's shapes. In both modes
`POST /orders/sync` runs the family's sync in this process (the request waits on it), under each
shop's lease, and answers its counts: a request waits on its own run, not behind a queue of other shops' jobs, and
the lease still makes a worker's run of the same shop a 409. Their errors
(SyncAlreadyRunningError 409, NoShopConfiguredError 503) are API errors already and pass through.

When a run started here ends, the families it may have changed are announced (`lumina.kit.changes`), so that
this process's read cache does not answer with what the run replaced (its last sync time included).
"""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.errors import BadGatewayError, ServiceUnavailableError
from lumina.jobs.due import shop_schedules
from lumina.jobs.engine import SyncEngine
from lumina.jobs.scheduler import Scheduler
from lumina.kit.changes import all_family_data_changed, family_data_changed
from lumina.kit.foreground import FOREGROUND
from lumina.logging import get_logger
from lumina.models import SyncRunStatus, SyncTrigger
from lumina.orders.repository import FamilyShopLinks, families_linked_to
from lumina.orders.schemas import (
    SyncAccepted,
    SyncCompleted,
    SyncJobStatus,
    SyncRunList,
    SyncRunResult,
    SyncStatus,
)
from lumina.queue import SyncQueue
from lumina.sync import SyncResult, runs
from lumina.sync.history import history
from lumina.sync.runs import SKIPPED, RunFilter

logger = get_logger("lumina.orders.sync")

# Background runs started by requests; kept here so they are not garbage-collected mid-run.
_background: set[asyncio.Task[None]] = set()


def _engine(context: ServiceContext) -> SyncEngine:
    engine: SyncEngine | None = context.components.get("sync")
    if engine is None:
        raise ServiceUnavailableError("The sync engine is not running in this process.")
    return engine


def run_result(result: SyncResult) -> SyncRunResult:
    return SyncRunResult.model_validate(result, from_attributes=True)


async def sync_family_now(context: ServiceContext, family_id: int, days_back: int | None) -> SyncCompleted:
    FOREGROUND.step_aside()  # the request waits on the sync: other requests come first, not this one
    result = await _engine(context).sync_family(family_id, trigger=SyncTrigger.MANUAL, days_back=days_back)
    await _announce_synced(context, family_id)  # whatever the outcome: a failed run may have written pages
    last_run = run_result(result)
    if result.status in (SKIPPED, SyncRunStatus.CANCELLED.value):  # the service is shutting down
        raise ServiceUnavailableError(f"The sync did not finish: {result.error or 'the service is stopping'}")
    if result.status != SyncRunStatus.SUCCEEDED.value:
        raise BadGatewayError(
            f"The sync did not complete: {result.error or 'the shop failed'}",
            details={"lastRun": last_run.model_dump(mode="json", by_alias=True)},
        )
    return SyncCompleted(
        message="Sync completed",
        processed=result.processed,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        deleted=result.deleted,
        duration_seconds=result.duration_seconds,
        last_run=last_run,
    )


async def start_sync_all(context: ServiceContext, admin_id: int) -> SyncAccepted:
    queue: SyncQueue | None = context.components.get("queue")
    if queue is not None:
        async with context.database.transaction() as session:
            shops = await shop_schedules(session, context.settings.sync_interval)
        queued = await queue.enqueue_shops((shop.shop_id for shop in shops), SyncTrigger.ADMIN)
        logger.info("sync of all shops queued", requested_by=admin_id, shops=len(shops), queued=queued)
        return SyncAccepted(message=f"Sync of all shops queued ({len(shops)} shops)")
    engine = _engine(context)

    async def run() -> None:
        try:
            await engine.sync_all(trigger=SyncTrigger.ADMIN)
        except Exception:  # a background run has no caller to tell: the log is where it goes
            logger.exception("sync of all shops failed", requested_by=admin_id)
        finally:
            all_family_data_changed()

    task = asyncio.create_task(run(), name="orders.sync_all")
    _background.add(task)
    task.add_done_callback(_background.discard)
    logger.info("sync of all shops started", requested_by=admin_id)
    return SyncAccepted(message="Sync of all shops started")


async def _announce_synced(context: ServiceContext, family_id: int) -> None:
    """The family and every family sharing one of its shops: the run wrote their orders too."""
    async with context.database.transaction() as session:
        families = {family_id}
        for shop_id in await FamilyShopLinks(session, family_id).linked_shop_ids():
            families.update(await families_linked_to(session, shop_id))
    family_data_changed(families)


async def wait_for_background_runs() -> None:
    """For shutdown and tests: wait until the runs started by requests have finished."""
    if _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


async def sync_status(context: ServiceContext, session: AsyncSession, family_id: int) -> SyncStatus:
    shop_ids = await FamilyShopLinks(session, family_id).linked_shop_ids()
    engine: SyncEngine | None = context.components.get("sync")
    queue: SyncQueue | None = context.components.get("queue")
    if queue is not None:
        return await _queued_status(context, session, queue, shop_ids, family_id)
    scheduler: Scheduler | None = context.components.get("scheduler")
    state = scheduler.status() if scheduler is not None else None
    # Read here, not by the engine: its loop may be parked for this very request (lumina.kit.foreground).
    last = await runs.latest_run(session, family_id=family_id) if engine is not None else None
    return SyncStatus(
        sync_job=SyncJobStatus(
            running=bool(state and state.running),
            syncing=engine is not None and any(engine.is_syncing(shop_id) for shop_id in shop_ids),
            interval_minutes=state.interval_minutes if state else context.settings.sync_interval,
            next_run_at=state.next_run_at if state else None,
            last_run=run_result(SyncResult.of_run(last)) if last is not None else None,
        ),
        woocommerce_configured=bool(shop_ids),
    )


async def _queued_status(
    context: ServiceContext, session: AsyncSession, queue: SyncQueue, shop_ids: list[int], family_id: int
) -> SyncStatus:
    """Queue mode: the schedule is the workers' (running while one is alive), a run may be in any process (the
    shop's lease tells), the next run is when the first of the family's shops is due."""
    schedules = await shop_schedules(session, context.settings.sync_interval, shop_ids) if shop_ids else []
    last = await runs.latest_run(session, family_id=family_id)
    return SyncStatus(
        sync_job=SyncJobStatus(
            running=await queue.live_workers() > 0,
            syncing=any(schedule.syncing for schedule in schedules),
            interval_minutes=min((s.interval_minutes for s in schedules), default=context.settings.sync_interval),
            next_run_at=min((schedule.due_at for schedule in schedules), default=None),
            last_run=run_result(SyncResult.of_run(last)) if last is not None else None,
        ),
        woocommerce_configured=bool(shop_ids),
    )


async def family_runs(
    context: ServiceContext, session: AsyncSession, family_id: int, *, limit: int, offset: int
) -> SyncRunList:
    """The runs of the family's shops, newest first, with errors masked as the operators' history masks them."""
    page = await history(session, context, RunFilter(family_id=family_id), limit=limit, offset=offset)
    found = [run_result(dataclasses.replace(SyncResult.of_run(view.run), error=view.error)) for view in page.runs]
    return SyncRunList(runs=found, count=len(found), total=page.total, limit=limit, offset=offset)
