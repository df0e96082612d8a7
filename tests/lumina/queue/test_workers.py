"""Real `lumina worker` processes on the real PostgreSQL against simulated shops on loopback: the workers alone
keep every shop on schedule; a worker killed mid-run has its job taken over and every shop ends exact, with no
two runs of a shop at once and no job lost; so has a worker that freezes (as one on a lost machine: its process is
not seen dead), once its lease expires; SIGTERM stops a worker cleanly within 10 s; a worker serves its own
/metrics."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.sync.runs import ABANDONED
from tests.lumina.queue.support import (
    kill,
    lease_owner,
    pid_of,
    poll,
    runs_of,
    shop_jobs,
    start_worker,
    stop_worker,
)
from tests.lumina.sync.support import Linked, add_shop, hold_listing, mirror_problems
from tests.lumina.sync.test_incremental import window_start
from tests.lumina.test_serve import free_port
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop


@pytest.fixture
def fleet() -> Iterator[list[tuple[SimulatedShop, ShopServer]]]:
    """Three shops."""
    with ExitStack() as stack:
        shops = []
        for seed in (11, 12, 13):
            shop = stack.enter_context(SimulatedShop(ShopConfig(seed=seed, order_count=250, days=20)))
            shops.append((shop, stack.enter_context(ShopServer(shop))))
        yield shops


@pytest.fixture
def hold(fleet: list[tuple[SimulatedShop, ShopServer]]) -> Iterator[FaultRule]:
    """The first shop holds its third orders request (and later ones) until the test releases it."""
    rule = hold_listing(fleet[0][0], skip=2)
    yield rule
    rule.release()


async def held(rule: FaultRule) -> None:
    assert await asyncio.to_thread(rule.held.wait, 90), "the shop was never asked for that page"


async def link(context: ServiceContext, fleet: list[tuple[SimulatedShop, ShopServer]]) -> list[Linked]:
    return [await add_shop(context, server, shop, name=f"shop {index}") for index, (shop, server) in enumerate(fleet)]


async def assert_every_shop_exact(
    context: ServiceContext, fleet: list[tuple[SimulatedShop, ShopServer]], linked: list[Linked]
) -> None:
    for (shop, _), row in zip(fleet, linked, strict=True):
        problems = await mirror_problems(
            context.database, row.shop_id, shop, families=[(row.family_ids[0], None)], since=window_start(20)
        )
        assert problems == [], (row.shop_id, problems[:5])


async def every_shop_synced(context: ServiceContext, linked: list[Linked]) -> bool:
    """Each shop has a succeeded run and none still running."""
    for row in linked:
        runs = await runs_of(context.database, row.shop_id)
        if not any(run.status == "succeeded" for run in runs) or any(r.status == "running" for r in runs):
            return False
    return True


async def every_job_ended(context: ServiceContext) -> bool:
    return all(status in ("succeeded", "failed") for _, status, _ in await shop_jobs(context.database))


async def assert_no_overlapping_runs(context: ServiceContext, shop_id: int) -> None:
    runs = await runs_of(context.database, shop_id)
    for earlier, later in pairwise(runs):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, (earlier.id, later.id)


async def first_page_committed(context: ServiceContext, shop_id: int) -> bool:
    runs = await runs_of(context.database, shop_id)
    return bool(runs) and runs[-1].processed > 0


async def inside_and_other(
    context: ServiceContext, shop_id: int, workers: list[subprocess.Popen[str]], hold: FaultRule
) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
    """Once a worker is inside the shop's run, held by the shop: that worker and the other."""
    await held(hold)  # the first worker's tick queued every shop
    owner = await lease_owner(context.database, shop_id)
    assert owner is not None
    inside = next(worker for worker in workers if worker.pid == pid_of(owner))
    return inside, next(worker for worker in workers if worker is not inside)


@pytest.mark.parametrize("fate", ["killed", "frozen"])
async def test_a_worker_killed_or_frozen_mid_run_has_its_shop_taken_over_and_every_shop_ends_exact(
    context: ServiceContext, fleet: list[tuple[SimulatedShop, ShopServer]], hold: FaultRule, fate: str
) -> None:
    """Killed (SIGKILL): its lease is freed at once, its process being gone. Frozen (SIGSTOP, once its first page is
    committed and it waits on the shop: as a worker on a lost machine, alive to this host, silent to the others): its
    job is taken over after QUEUE_WORKER_TIMEOUT (3 s here), its shop once its lease (10 s) expired. Its other job
    slot may be frozen in the middle of another shop's statement, that shop's state row locked: the next taker ends
    that session once the lease has expired."""
    linked = await link(context, fleet)
    held_shop = linked[0].shop_id
    workers = [start_worker(context, "--concurrency", "2") for _ in range(2)]
    try:
        victim, survivor = await inside_and_other(context, held_shop, workers, hold)
        if fate == "killed":
            kill(victim)
        else:
            await poll(lambda: first_page_committed(context, held_shop), victim)  # then it waits on the shop only
            victim.send_signal(signal.SIGSTOP)
        hold.release()

        await poll(lambda: every_shop_synced(context, linked), survivor)
        # A job the frozen worker held in its other slot may be given back to the queue (retried) after its shop
        # was synced by another job: no job is lost if the survivor runs it too.
        await poll(lambda: every_job_ended(context), survivor)

        await assert_every_shop_exact(context, fleet, linked)
        for row in linked:
            await assert_no_overlapping_runs(context, row.shop_id)
        held_runs = await runs_of(context.database, held_shop)
        assert [run.error for run in held_runs if run.status == "failed"] == [ABANDONED]
        assert held_runs[-1].status == "succeeded"
        assert await lease_owner(context.database, held_shop) is None
        jobs = await shop_jobs(context.database)
        assert {shop for _, _, shop in jobs} == {row.shop_id for row in linked}
        code, _out, err = await stop_worker(survivor)
        assert code == 0, err
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill(worker)  # SIGKILL ends a stopped process too


async def test_sigterm_stops_a_worker_within_10_s_and_hands_its_shop_to_the_next(
    context: ServiceContext, fleet: list[tuple[SimulatedShop, ShopServer]], hold: FaultRule
) -> None:
    linked = await link(context, fleet[:1])
    first = start_worker(context)
    workers: list[subprocess.Popen[str]] = [first]
    try:
        await held(hold)  # a page of shop 0 is in hand and its answer does not come

        started = time.monotonic()
        code, _out, err = await stop_worker(first)
        elapsed = time.monotonic() - started

        assert code == 0, err
        assert elapsed < 10
        runs = await runs_of(context.database, linked[0].shop_id)
        assert [run.status for run in runs] == ["cancelled"]
        assert await lease_owner(context.database, linked[0].shop_id) is None
        waiting = [shop for _, status, shop in await shop_jobs(context.database) if status == "todo"]
        assert waiting == [linked[0].shop_id]  # handed over, not lost

        hold.release()
        port = free_port()
        second = start_worker(context, "--metrics-port", str(port))
        workers.append(second)

        async def synced() -> bool:
            return any(run.status == "succeeded" for run in await runs_of(context.database, linked[0].shop_id))

        await poll(synced, second)
        await assert_every_shop_exact(context, fleet[:1], linked)
        await assert_no_overlapping_runs(context, linked[0].shop_id)
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert f'lumina_sync_runs_total{{outcome="succeeded",shop="{linked[0].shop_id}"}} 1.0' in metrics
        assert (await stop_worker(second))[0] == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill(worker)
