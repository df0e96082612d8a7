"""Faults of the shop and of the run: retried, recorded, backed off, and never a half-written page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from lumina.context import ServiceContext
from lumina.models import ShopSyncState, SyncTrigger
from tests.lumina.sync.support import (
    add_shop,
    cached_rows,
    hold_listing,
    make_coordinator,
    mirror_problems,
    stored,
    update_shop,
    wait_until,
)
from tests.lumina.sync.test_incremental import window_start
from woosim import FaultRule, ShopServer, SimulatedShop

ORDERS = "GET /wp-json/wc/v3/orders"


async def test_transient_faults_shifted_and_repeated_pages_leave_an_exact_mirror(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    for rule in (
        FaultRule(kind="status", status=503, retry_after=0, times=2, match=ORDERS),
        FaultRule(kind="captcha", times=1, skip=1, match=ORDERS),
        FaultRule(kind="truncated_json", times=1, skip=2, match=ORDERS),
        FaultRule(kind="shift_pages", probability=0.3, match=ORDERS),
        FaultRule(kind="duplicate_page", probability=0.3, match=ORDERS),
    ):
        woo_shop.faults.add(rule)
    bulk = sorted(woo_shop.order_ids())[-230:]
    woo_shop.bulk_update(bulk, status="completed")  # a bucket second, paged by number under shifted pages
    woo_shop.clock.advance(3)

    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    woo_shop.faults.clear()
    assert result.status == "succeeded", result.error
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []


async def test_a_failing_shop_is_recorded_backs_off_and_keeps_its_cursor(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    healthy = await add_shop(context, shop_server, woo_shop, name="healthy")
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    cursor = (await stored(context, ShopSyncState, linked.shop_id)).cursor_modified

    woo_shop.clock.advance(30)
    woo_shop.faults.add(FaultRule(kind="status", status=503, match=ORDERS))  # down for good
    results = {r.shop_id: r for r in await coordinator.sync_all(trigger=SyncTrigger.SCHEDULE)}

    assert results[linked.shop_id].status == "failed"
    assert "503" in (results[linked.shop_id].error or "")
    assert results[healthy.shop_id].status == "failed"  # the same shop behind both rows
    state = await stored(context, ShopSyncState, linked.shop_id)
    assert state.cursor_modified == cursor
    assert state.consecutive_failures == 1
    assert state.next_attempt_at is not None
    assert state.next_attempt_at > datetime.now(UTC)
    assert state.lock_owner is None

    skipped = await coordinator.sync_all(trigger=SyncTrigger.SCHEDULE)
    assert {r.status for r in skipped} == {"skipped"}

    woo_shop.faults.clear()
    manual = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    assert manual.status == "succeeded"
    state = await stored(context, ShopSyncState, linked.shop_id)
    assert (state.consecutive_failures, state.next_attempt_at, state.last_error) == (0, None, None)


async def test_one_shop_failing_does_not_stop_the_others(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    good = await add_shop(context, shop_server, woo_shop, name="good")
    async with context.database.transaction() as session:
        from tests.factories import create_family, create_shop, link_family

        bad = await create_shop(
            session, context.secret_box, url=shop_server.base_url, consumer_key="ck_wrong", consumer_secret="cs_wrong"
        )
        await link_family(session, await create_family(session), bad)
    results = {r.shop_id: r for r in await make_coordinator(context).sync_all(trigger=SyncTrigger.SCHEDULE)}

    assert results[good.shop_id].status == "succeeded"
    assert results[bad.id].status == "failed"
    assert "cs_wrong" not in (results[bad.id].error or "")


async def test_a_first_page_that_lost_its_first_row_is_read_again_even_when_not_full(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    woo_shop.faults.add(FaultRule(kind="shift_pages", times=1, match=ORDERS))  # the very first page skips a row

    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, days_back=3)

    assert result.status == "succeeded", result.error
    assert 0 < result.created < 100  # one partial page, checked against its X-WP-Total
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start(3)
    )
    assert problems == []


async def test_cancelling_mid_sync_leaves_a_cursor_the_next_run_completes_from(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context, concurrency=2)
    for stop_after in (2, 3):
        hold = hold_listing(woo_shop, skip=stop_after - 1)
        task = asyncio.create_task(coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, days_back=60))
        try:
            await wait_until(hold.held.is_set)
            await coordinator.stop(grace=0)  # cancels the request in flight; commits are whole or absent
        finally:
            woo_shop.faults.clear()
        result = await task
        assert result.status == "cancelled"
        coordinator.resume()
        state = await stored(context, ShopSyncState, linked.shop_id)
        assert state.lock_owner is None
        rows = await cached_rows(context.database, linked.shop_id)
        assert len({r.woocommerce_order_id for r in rows}) == len(rows)

    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    assert result.status == "succeeded"
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []


async def test_a_second_sync_of_a_busy_shop_is_refused(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    from lumina.sync import SyncAlreadyRunningError

    linked = await add_shop(context, shop_server, woo_shop)
    hold = hold_listing(woo_shop)
    coordinator = make_coordinator(context)
    running = asyncio.create_task(coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI))
    try:
        await wait_until(hold.held.is_set)  # the sync holds the shop and waits for its answer
        with pytest.raises(SyncAlreadyRunningError) as here:
            await coordinator.sync_family(linked.family_ids[0], trigger=SyncTrigger.MANUAL)
        assert here.value.status_code == 409
        other_process = make_coordinator(context)  # another owner, as another process would be
        with pytest.raises(SyncAlreadyRunningError, match="another process"):
            await other_process.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    finally:
        hold.release()
    assert (await running).status == "succeeded"


async def test_a_shop_known_to_be_too_old_fails_with_a_clear_reason(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    await update_shop(context, linked.shop_id, supports_modified_after=False)
    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    assert result.status == "failed"
    assert "older than 5.8" in (result.error or "")
    assert result.requests == 0


async def test_a_page_the_database_refuses_fails_the_run_and_the_next_run_brings_it(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    """Pages are handed to the writer ahead of their commits: after one fails, none after it may be written, as
    its position would cover the orders of the page that failed."""
    linked = await add_shop(context, shop_server, woo_shop)
    since = window_start().replace(tzinfo=None).isoformat()
    in_window = sorted(
        (order for order in woo_shop.orders_snapshot().values() if order["date_modified_gmt"] > since),
        key=lambda order: str(order["date_modified_gmt"]),
    )
    refused = in_window[len(in_window) // 3]["id"]
    sqlite = context.database.engine.dialect.name == "sqlite"
    refuse = (
        [
            "CREATE TRIGGER refuse_order BEFORE INSERT ON cached_orders "
            f"WHEN NEW.woocommerce_order_id = {refused} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ]
        if sqlite
        else [
            "CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.woocommerce_order_id = {refused} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER refuse_order BEFORE INSERT ON cached_orders FOR EACH ROW EXECUTE FUNCTION refuse_order()",
        ]
    )
    allow = ["DROP TRIGGER refuse_order"] if sqlite else ["DROP TRIGGER refuse_order ON cached_orders"]
    async with context.database.transaction() as session:
        for statement in refuse:
            await session.execute(text(statement))
    coordinator = make_coordinator(context, page_size=10)

    failed = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    assert failed.status == "failed"
    assert "refused by the test" in (failed.error or "")
    health = (await stored(context, ShopSyncState, linked.shop_id)).last_error or ""
    for told in (failed.error or "", health):  # the driver's words, not the page's statement or its orders
        assert "refused by the test" in told
        assert "INSERT" not in told.upper()
        assert not any(str(order["billing"]["email"]) in told for order in in_window if order["billing"]["email"])
    assert refused not in {row.woocommerce_order_id for row in await cached_rows(context.database, linked.shop_id)}

    async with context.database.transaction() as session:
        for statement in allow:
            await session.execute(text(statement))
    woo_shop.clock.advance(3)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    assert result.status == "succeeded", result.error
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []
