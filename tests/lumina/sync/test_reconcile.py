"""Reconciliation: what an incremental sync cannot see (silent edits, permanent deletes) is caught when it runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from tests.lumina.sync.support import add_shop, cached_rows, make_coordinator, mirror_problems, update_shop
from tests.lumina.sync.test_incremental import window_start
from woosim import ShopServer, SimulatedShop


async def _held(context: ServiceContext, shop_id: int) -> list[int]:
    rows = await cached_rows(context.database, shop_id)
    return sorted(row.woocommerce_order_id for row in rows if row.is_visible)


async def test_silent_edits_and_permanent_deletes_are_fixed_by_reconciliation(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context, count_check=False)  # what only a reconciliation finds
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    held = await _held(context, linked.shop_id)
    edited, gone, trashed_then_gone = held[0], held[1], held[2]

    woo_shop.clock.advance(20)
    woo_shop.edit_silently(edited, billing={"first_name": "Quietly", "email": "moved@example.org"}, total="999.99")
    woo_shop.delete_order(gone)
    woo_shop.trash_order(trashed_then_gone)
    woo_shop.clock.advance(5)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    woo_shop.delete_order(trashed_then_gone)
    woo_shop.clock.advance(5)

    incremental = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert incremental.reconciled is False
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert any(f"order {edited}:" in p for p in problems)
    assert any(f"order {gone}:" in p for p in problems)

    reconciled = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, reconcile=True)
    assert reconciled.status == "succeeded"
    assert reconciled.reconciled
    assert reconciled.updated == 1
    assert reconciled.deleted == 1
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []
    rows = {row.woocommerce_order_id: row for row in await cached_rows(context.database, linked.shop_id)}
    assert rows[gone].deleted_at is not None
    assert rows[edited].customer_name.startswith("Quietly")


async def test_reconciliation_runs_when_due_and_costs_nothing_otherwise(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    gone = (await _held(context, linked.shop_id))[0]
    woo_shop.delete_order(gone)
    woo_shop.clock.advance(30)

    without_count = make_coordinator(context, count_check=False)
    not_due = await without_count.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert (not_due.reconciled, not_due.requests) == (False, 1)

    due = make_coordinator(context, reconcile_every=timedelta(0))
    result = await due.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert result.reconciled
    assert gone not in await _held(context, linked.shop_id)
    assert result.requests < 20  # stamps of ~220 orders, a few pages


async def test_an_order_with_a_status_the_sync_does_not_list_is_not_deleted(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    """A cached order missing from the listing is looked up by id, with any status, before it is deleted."""
    linked = await add_shop(context, shop_server, woo_shop)
    statuses = ["pending", "processing", "on-hold", "completed"]  # no cancelled, refunded...
    await update_shop(context, linked.shop_id, order_statuses=statuses)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    visible = await _held(context, linked.shop_id)
    woo_shop.clock.advance(10)
    woo_shop.update_order(visible[0], status="cancelled")
    woo_shop.clock.advance(5)

    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, reconcile=True)
    assert result.status == "succeeded"
    rows = {row.woocommerce_order_id: row for row in await cached_rows(context.database, linked.shop_id)}
    assert rows[visible[0]].status == "cancelled"
    assert rows[visible[0]].deleted_at is None


async def test_an_order_deleted_for_good_is_found_by_the_count_check_in_the_next_cycle(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)  # reconciliation not due for hours
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    woo_shop.clock.advance(30)
    quiet = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert (quiet.reconciled, quiet.requests) == (False, 1)  # one `per_page=1` listing: nothing new, same count

    gone = (await _held(context, linked.shop_id))[3]
    woo_shop.delete_order(gone)  # a permanent delete: no webhook, no trace in any listing
    woo_shop.clock.advance(30)
    found = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert found.reconciled
    assert found.deleted == 1
    assert gone not in await _held(context, linked.shop_id)
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []


@contextmanager
def cache_counts(context: ServiceContext) -> Iterator[list[str]]:
    """The statements that count the cache's orders of a window (`cached_count`), as they are sent."""
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "count(distinct(cached_orders.woocommerce_order_id))" in statement:
            sent.append(statement)

    engine = context.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def test_an_idle_shop_whose_count_stays_the_same_is_not_counted_again_in_the_cache(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    """Counting the cache reads every cached order of the window; once the shop's count and the cache's agree, an
    idle run that hears the same count from the shop skips it, and an order deleted for good is found all the same."""
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    with cache_counts(context) as counted:
        woo_shop.clock.advance(30)
        await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        assert len(counted) == 1  # the first comparison since the backfill
        woo_shop.clock.advance(30)
        quiet = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        assert (quiet.reconciled, quiet.requests, len(counted)) == (False, 1, 1)

        gone = (await _held(context, linked.shop_id))[3]
        woo_shop.delete_order(gone)
        woo_shop.clock.advance(30)
        found = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert (found.reconciled, found.deleted) == (True, 1)
    assert gone not in await _held(context, linked.shop_id)
