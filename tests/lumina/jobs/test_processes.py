"""Real processes sharing one database (SQLite and PostgreSQL): exclusivity, SIGKILL and SIGTERM mid-sync."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from collections.abc import Awaitable, Callable
from itertools import pairwise

import pytest
from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import ShopSyncState, SyncRun, SyncTrigger
from lumina.sync import SyncAlreadyRunningError
from lumina.sync.runs import ABANDONED
from tests.lumina.jobs.processes import start_cli, start_worker
from tests.lumina.sync.support import ONE_PAGE_IN, add_shop, hold_listing, make_coordinator, mirror_problems
from tests.lumina.sync.test_incremental import window_start
from woosim import FaultRule, ShopServer, SimulatedShop


async def poll(check: Callable[[], Awaitable[bool]], process: subprocess.Popen[str] | None = None) -> None:
    """Wait for a state of another process; the deadline only bounds a failure (a start-up under load takes ~20 s)."""
    deadline = asyncio.get_running_loop().time() + 90
    while not await check():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended early: {process.communicate()}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


def holding(rule: FaultRule) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return rule.held.is_set()

    return check


async def runs_of(context: ServiceContext, shop_id: int) -> list[SyncRun]:
    async with context.database.transaction() as session:
        return list(await session.scalars(select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.id)))


def committed_a_page(context: ServiceContext, shop_id: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(r.status == "running" and r.pages >= 1 for r in await runs_of(context, shop_id))

    return check


async def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = await asyncio.to_thread(process.communicate, None, 60)
    return process.returncode, out, err


async def assert_exact(context: ServiceContext, shop: SimulatedShop, shop_id: int, family_id: int) -> None:
    problems = await mirror_problems(
        context.database, shop_id, shop, families=[(family_id, None)], since=window_start()
    )
    assert problems == []


async def test_a_second_process_is_refused_while_the_first_syncs_the_shop(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    hold = hold_listing(woo_shop)
    first = start_worker(context, linked.shop_id)
    try:
        await poll(holding(hold), first)  # the first holds the lease and waits for the shop's answer

        with pytest.raises(SyncAlreadyRunningError, match="another process"):
            await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
        second = start_worker(context, linked.shop_id)
        code, out, err = await finish(second)
        assert code == 3, (out, err)
        assert "already running" in out
    finally:
        hold.release()

    code, out, err = await finish(first)
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["status"] == "succeeded"
    await assert_exact(context, woo_shop, linked.shop_id, linked.family_ids[0])


async def test_two_processes_started_together_never_sync_the_shop_at_the_same_time(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    woo_shop.set_latency(0.3)
    processes = [start_worker(context, linked.shop_id) for _ in range(2)]
    outcomes = [await finish(p) for p in processes]
    assert sorted(code for code, _, _ in outcomes) in ([0, 0], [0, 3]), outcomes

    runs = [r for r in await runs_of(context, linked.shop_id) if r.status == "succeeded"]
    assert runs
    for earlier, later in pairwise(runs):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at
    woo_shop.set_latency(0)
    await assert_exact(context, woo_shop, linked.shop_id, linked.family_ids[0])


@pytest.mark.parametrize("answered", [0, ONE_PAGE_IN], ids=["before-any-page", "after-a-page"])
async def test_a_process_killed_mid_sync_leaves_a_state_the_next_sync_completes(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, answered: int
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    # One request at a time, held after `answered` answers: the kill lands while the process waits for the next one.
    hold = hold_listing(woo_shop, skip=answered)
    victim = start_worker(context, linked.shop_id, SYNC_MAX_CONCURRENCY="1")
    try:
        await poll(holding(hold), victim)
        if answered:
            await poll(committed_a_page(context, linked.shop_id), victim)
        victim.send_signal(signal.SIGKILL)
        await finish(victim)
    finally:
        hold.release()
    woo_shop.update_order(sorted(woo_shop.order_ids())[-1], status="completed")
    woo_shop.clock.advance(5)

    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    assert result.status == "succeeded", result.error
    runs = await runs_of(context, linked.shop_id)
    assert (runs[0].status, runs[0].error) == ("failed", ABANDONED)
    await assert_exact(context, woo_shop, linked.shop_id, linked.family_ids[0])


async def test_sigterm_stops_lumina_sync_after_the_page_in_hand(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    hold = hold_listing(woo_shop, skip=ONE_PAGE_IN)
    cli = start_cli(context, "sync", "--days-back", "60", SYNC_MAX_CONCURRENCY="1")
    try:
        await poll(holding(hold), cli)
        await poll(committed_a_page(context, linked.shop_id), cli)
        cli.send_signal(signal.SIGTERM)  # the signal is pending before the held answer leaves the shop
    finally:
        hold.release()
    code, out, err = await finish(cli)

    assert code == 130, err
    assert "1 shop(s): 0 synced, 1 cancelled before finishing" in out
    runs = await runs_of(context, linked.shop_id)
    assert [r.status for r in runs] == ["cancelled"]
    async with context.database.transaction() as session:
        state = await session.get(ShopSyncState, linked.shop_id)
    assert state is not None
    assert state.lock_owner is None
    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    assert result.status == "succeeded"
    await assert_exact(context, woo_shop, linked.shop_id, linked.family_ids[0])
