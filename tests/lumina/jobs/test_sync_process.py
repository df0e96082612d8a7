"""The embedded sync in a child process (SYNC_ISOLATION=process), as `lumina.jobs.runtime` starts it: a real child,
the test's database (SQLite and PostgreSQL), a simulated shop over HTTP, the API in front."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.jobs import runtime
from lumina.jobs.sync_process import ProcessSync
from lumina.kit.changes import on_family_data_changed
from lumina.live import BUS
from lumina.live import runtime as live_runtime
from lumina.orders.sync_control import wait_for_background_runs
from tests.conftest import make_settings
from tests.factories import create_shop, link_family
from tests.lumina.auth.support import SignedIn, sign_in
from tests.lumina.sync.support import (
    ONE_PAGE_IN,
    Linked,
    check_stopped_between_pages,
    close_mid_backfill,
    heard_until_a_run_ends,
    hold_listing,
    mirror_problems,
    wait_until,
)
from tests.lumina.sync.test_incremental import window_start
from woosim import ShopServer, SimulatedShop

SYNC = "/api/v1/orders/sync"


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """One request at a time (a held page is the next one asked for), no politeness delay (the shop is local)."""
    return make_settings(
        tmp_path,
        database.url,
        sync_isolation="process",
        sync_requests_per_second=1000.0,
        sync_max_concurrency=1,
        retention_days=0,
    )


@pytest.fixture
async def engine(context: ServiceContext) -> AsyncIterator[ProcessSync]:
    """The service's sync machinery as `lumina serve` starts it (the scheduler off), and its live listener."""
    await runtime.start(context)
    await live_runtime.start(context)  # on PostgreSQL the child's events come back by NOTIFY, as a worker's do
    engine = context.components["sync"]
    assert isinstance(engine, ProcessSync)
    yield engine
    await wait_for_background_runs()
    await live_runtime.stop(context)
    await runtime.stop(context)


@pytest.fixture
async def member(
    client: httpx.AsyncClient,
    database: Database,
    context: ServiceContext,
    shop_server: ShopServer,
    woo_shop: SimulatedShop,
) -> tuple[SignedIn, int]:
    """A member whose family is linked to the simulated shop; and the shop's id."""
    who = await sign_in(client, database)
    key = woo_shop.read_write_key
    async with database.transaction() as session:
        row = await create_shop(session, context.secret_box, url=shop_server.base_url,
                                consumer_key=key.consumer_key, consumer_secret=key.consumer_secret)  # fmt: skip
        await link_family(session, who.family, row)
    return who, row.id


@contextlib.asynccontextmanager
async def held_after_a_page(
    client: httpx.AsyncClient, who: SignedIn, shop: SimulatedShop
) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    """POST /orders/sync, its run held after its first page until the block ends."""
    hold = hold_listing(shop, skip=ONE_PAGE_IN)
    answer = asyncio.create_task(client.post(SYNC, headers=who.headers))
    try:
        await wait_until(hold.held.is_set)
        yield answer
    finally:
        hold.release()


async def test_a_manual_sync_runs_in_the_child_and_its_news_and_figures_reach_the_service(
    client: httpx.AsyncClient, engine: ProcessSync, member: tuple[SignedIn, int]
) -> None:
    who, shop_id = member
    changed: list[frozenset[int] | None] = []

    def families_changed(family_ids: frozenset[int] | None) -> None:
        changed.append(family_ids)

    on_family_data_changed(families_changed)
    subscription = BUS.subscribe(who.family.id)
    try:
        answer = await client.post(SYNC, headers=who.headers)
        heard = await heard_until_a_run_ends(subscription)
    finally:
        BUS.unsubscribe(subscription)

    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] > 100
    assert engine.process is not None
    assert engine.process.pid != os.getpid()
    assert {event.kind for event in heard} >= {"progress", "sync"}
    assert {"order", "orders"} & {event.kind for event in heard}
    assert any(ids is not None and who.family.id in ids for ids in changed)
    assert not engine.is_syncing()
    assert engine.last_result is not None
    assert engine.last_result.shop_id == shop_id
    metrics = (await client.get("/metrics")).text
    assert f'lumina_sync_runs_total{{outcome="succeeded",shop="{shop_id}"}} 1.0' in metrics
    for family in ("lumina_sync_runs_total", "lumina_sync_lag_seconds", "lumina_http_requests_total"):
        assert metrics.count(f"# TYPE {family} ") == 1, family


async def test_a_shop_running_in_the_child_is_syncing_here_and_a_second_sync_of_it_is_refused(
    client: httpx.AsyncClient, engine: ProcessSync, member: tuple[SignedIn, int], woo_shop: SimulatedShop
) -> None:
    who, shop_id = member
    async with held_after_a_page(client, who, woo_shop) as first:
        await wait_until(lambda: engine.is_syncing(shop_id))
        status = (await client.get(f"{SYNC}/status", headers=who.headers)).json()
        second = await client.post(SYNC, headers=who.headers)
    assert (await first).status_code == 200
    assert status["syncJob"]["syncing"] is True
    assert second.status_code == 409, second.text
    assert not engine.is_syncing()


async def test_a_child_killed_mid_run_fails_the_call_and_another_takes_over_the_shop(
    client: httpx.AsyncClient,
    context: ServiceContext,
    engine: ProcessSync,
    member: tuple[SignedIn, int],
    woo_shop: SimulatedShop,
) -> None:
    who, shop_id = member
    async with held_after_a_page(client, who, woo_shop) as first:
        assert engine.process is not None
        os.kill(engine.process.pid, signal.SIGKILL)
        failed = await first
    await wait_until(lambda: engine.started == 2 and not engine.is_syncing())

    assert failed.status_code == 503, failed.text
    assert "sync process ended" in failed.json()["message"]
    again = await client.post(SYNC, headers=who.headers)
    assert again.status_code == 200, again.text
    problems = await mirror_problems(
        context.database, shop_id, woo_shop, families=[(who.family.id, None)], since=window_start()
    )
    assert problems == []


async def test_stopping_the_engine_mid_backfill_keeps_the_committed_pages_and_an_exact_cursor(
    context: ServiceContext, engine: ProcessSync, member: tuple[SignedIn, int], woo_shop: SimulatedShop
) -> None:
    who, shop_id = member
    stopped = await close_mid_backfill(engine, who.family.id, woo_shop)

    assert stopped.status == "cancelled"
    assert engine.process is not None
    assert engine.process.returncode == 0
    await check_stopped_between_pages(context, Linked(shop_id, (who.family.id,)), woo_shop, since=window_start())
