"""The embedded scheduler and the runtime hooks the service calls at start-up and shut-down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lumina.config import SyncIsolation
from lumina.context import ServiceContext
from lumina.jobs import runtime
from lumina.jobs.engine import SyncEngine
from lumina.jobs.scheduler import Scheduler
from lumina.jobs.sync_process import ProcessSync
from lumina.logging import configure_logging
from lumina.models import RefreshToken, SyncRun
from tests.factories import create_family, create_user
from tests.lumina.sync.support import (
    ONE_PAGE_IN,
    add_shop,
    check_stopped_between_pages,
    hold_listing,
    make_coordinator,
    mirror_problems,
    wait_until,
)
from tests.lumina.sync.test_incremental import window_start
from woosim import ShopServer, SimulatedShop


async def _triggers(context: ServiceContext) -> list[str]:
    async with context.database.transaction() as session:
        return list(await session.scalars(select(SyncRun.trigger).order_by(SyncRun.id)))


async def test_cycles_run_at_start_on_the_interval_and_on_demand(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    scheduler = Scheduler(coordinator, context.database, interval=timedelta(seconds=0.4), retention_days=30)
    assert scheduler.status().running is False

    await scheduler.start()
    await wait_until(lambda: scheduler.last_retention_at is not None)
    status = scheduler.status()
    assert status.running
    assert status.next_run_at is not None
    assert status.next_run_at > datetime.now(UTC) - timedelta(seconds=1)
    assert status.last_run is not None
    assert status.last_retention_at is not None
    cycles = scheduler.last_cycle_at
    await wait_until(lambda: scheduler.last_cycle_at != cycles)  # the interval came round
    await scheduler.trigger_now()
    await wait_until(lambda: "manual" in (coordinator.last_result.trigger if coordinator.last_result else ""))
    await scheduler.stop()

    assert scheduler.status().running is False
    assert scheduler.status().next_run_at is None
    triggers = await _triggers(context)
    assert triggers[0] == "startup"
    assert "schedule" in triggers
    assert "manual" in triggers


@pytest.mark.parametrize("isolation", [SyncIsolation.THREAD, SyncIsolation.PROCESS])
async def test_the_runtime_starts_the_scheduler_and_stops_a_running_sync_within_seconds(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, isolation: SyncIsolation
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    context.settings.sync_isolation = isolation
    hold = hold_listing(woo_shop, skip=ONE_PAGE_IN)
    context.settings.scheduler_enabled = True
    context.settings.sync_on_startup = True
    context.settings.sync_requests_per_second = 1000.0
    context.settings.sync_max_concurrency = 1
    await runtime.start(context)
    engine: SyncEngine = context.components["sync"]
    assert isinstance(context.components["scheduler"], Scheduler)
    try:
        await wait_until(hold.held.is_set)  # a page in, the next one asked for
        stopping = asyncio.create_task(runtime.stop(context))  # what SIGTERM leads to in `lumina serve`
        await wait_until(lambda: engine.stopping)
    finally:
        hold.release()
    await stopping

    assert not engine.is_syncing()
    await check_stopped_between_pages(context, linked, woo_shop, since=window_start())


async def test_a_sync_process_killed_mid_cycle_is_one_warning_and_the_next_sync_runs(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, capsys: pytest.CaptureFixture[str]
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    context.settings.sync_isolation = SyncIsolation.PROCESS
    context.settings.scheduler_enabled = True
    context.settings.sync_on_startup = True
    context.settings.sync_requests_per_second = 1000.0
    context.settings.sync_max_concurrency = 1
    hold = hold_listing(woo_shop, skip=ONE_PAGE_IN)
    configure_logging("INFO", "json")
    await runtime.start(context)
    engine = context.components["sync"]
    scheduler: Scheduler = context.components["scheduler"]
    assert isinstance(engine, ProcessSync)
    try:
        await wait_until(hold.held.is_set)  # the start-up cycle is in the child, a page in
        assert engine.process is not None
        os.kill(engine.process.pid, signal.SIGKILL)
        await wait_until(lambda: scheduler.last_cycle_at is not None and engine.started == 2)
        hold.release()
        await scheduler.trigger_now()
        await wait_until(lambda: engine.last_result is not None and engine.last_result.trigger == "manual")
    finally:
        hold.release()
        await runtime.stop(context)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line["logger"] == "lumina.jobs"]
    interrupted = [line for line in logged if line["event"] == "sync cycle interrupted"]
    assert len(interrupted) == 1
    assert interrupted[0]["level"] == "warning"
    assert "exception" not in interrupted[0]
    assert not [line for line in logged if line["event"] == "sync cycle failed"]
    assert engine.last_result is not None
    assert engine.last_result.status == "succeeded"  # it took the dead child's shop over
    families = [(family_id, None) for family_id in linked.family_ids]
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=families, since=window_start()
    )
    assert problems == []


async def test_with_the_scheduler_disabled_nothing_runs_until_asked(context: ServiceContext) -> None:
    await runtime.start(context)
    scheduler: Scheduler = context.components["scheduler"]
    assert scheduler.status().running is False
    assert scheduler.status().interval_minutes == context.settings.sync_interval
    await runtime.stop(context)


async def test_the_daily_step_removes_expired_sign_in_records_even_when_orders_are_kept(
    context: ServiceContext,
) -> None:
    now = datetime.now(UTC)
    async with context.database.transaction() as session:
        family = await create_family(session)
        user = await create_user(session, family)
        for name, expires in (("expired", now - timedelta(days=1)), ("live", now + timedelta(days=1))):
            session.add(RefreshToken(user_id=user.id, chain_id=name, token_hash=name * 8, expires_at=expires))
    context.settings.retention_days = 0  # orders kept for ever: the other daily jobs still run
    context.settings.sync_on_startup = True
    _, scheduler = runtime.build(context)
    await scheduler.start()
    try:
        await wait_until(lambda: scheduler.last_retention_at is not None)
    finally:
        await scheduler.stop()
    async with context.database.transaction() as session:
        assert list(await session.scalars(select(RefreshToken.chain_id))) == ["live"]
