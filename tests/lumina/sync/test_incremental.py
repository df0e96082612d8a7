"""The sync against a simulated shop over real HTTP: backfill, incremental cycles, changes of every kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import ShopSyncState, SyncRun, SyncTrigger
from tests.lumina.sync.support import add_shop, cached_rows, make_coordinator, mirror_problems
from woosim import ShopServer, SimulatedShop


def window_start(days: int = 30) -> datetime:
    return datetime.now(UTC) - timedelta(days=days) + timedelta(minutes=1)


async def test_first_sync_backfills_the_window_and_mirrors_every_order(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)

    assert result.status == "succeeded", result.error
    assert result.created > 100
    assert result.created == result.processed
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []
    old = [o for o in woo_shop.orders_snapshot().values() if o["date_modified_gmt"] < "2000"]
    assert old == []


async def test_an_unchanged_shop_costs_one_request_per_cycle(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)

    for _ in range(3):
        woo_shop.clock.advance(60)
        before = woo_shop.request_counts["total"]
        result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        assert result.status == "succeeded"
        # One `per_page=1` listing, newest first: nothing modified since the cursor, and the shop's count of the
        # window, which would reveal orders deleted for good (test_reconcile.py).
        assert woo_shop.request_counts["total"] - before == 1
        assert (result.requests, result.created, result.updated, result.reconciled) == (1, 0, 0, False)
        assert result.cursor_before is not None
        assert result.cursor_after is not None
        assert result.cursor_after > result.cursor_before  # the cursor follows the shop's clock


async def test_changes_between_cycles_reach_the_mirror(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    held = {row.woocommerce_order_id for row in await cached_rows(context.database, linked.shop_id)}
    recent = [
        o["id"]
        for o in woo_shop.orders_snapshot().values()
        if o["status"] in ("processing", "on-hold") and o["id"] in held
    ]

    woo_shop.clock.advance(30)
    created = woo_shop.create_order(status="pending")
    woo_shop.update_order(recent[0], status="completed")
    woo_shop.trash_order(recent[1])
    woo_shop.trash_order(recent[2])
    woo_shop.clock.advance(5)
    woo_shop.restore_order(recent[2])
    draft = woo_shop.create_order(status="checkout-draft")
    woo_shop.clock.advance(5)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)

    assert result.status == "succeeded"
    assert result.created == 2
    assert result.deleted == 1
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []
    rows = {row.woocommerce_order_id: row for row in await cached_rows(context.database, linked.shop_id)}
    assert rows[created["id"]].is_visible
    assert not rows[recent[1]].is_visible
    assert rows[recent[1]].deleted_at is not None
    assert rows[recent[2]].is_visible
    assert rows[recent[2]].deleted_at is None
    assert not rows[draft["id"]].is_visible
    assert rows[draft["id"]].deleted_at is None


async def test_a_bulk_update_larger_than_two_pages_in_one_second_is_taken_whole(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context, concurrency=1)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    ids = sorted(woo_shop.order_ids())[:260]

    woo_shop.clock.advance(30)
    woo_shop.bulk_update(ids, status="completed")
    woo_shop.clock.advance(1)
    woo_shop.update_order(ids[-1], status="on-hold")  # one of them moves on again
    woo_shop.clock.advance(5)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)

    assert result.status == "succeeded"
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []
    async with context.database.transaction() as session:
        state = await session.get(ShopSyncState, linked.shop_id)
    assert state is not None
    assert state.cursor_modified is not None
    assert state.cursor_modified > woo_shop.now() - timedelta(seconds=10)


async def test_orders_go_to_every_linked_family_with_one_fetch_and_scopes_honoured(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    orders = list(woo_shop.orders_snapshot().values())
    recent = [o for o in orders if o["date_modified_gmt"] > window_start().strftime("%Y-%m-%dT%H:%M:%S")]
    customer = next(o["customer_id"] for o in recent if o["customer_id"])
    email = next(o["billing"]["email"].lower() for o in recent if o["billing"]["email"] and not o["customer_id"])
    scopes = [None, None, None, {"customer_ids": [customer]}, {"billing_emails": [email]}]
    many = await add_shop(context, shop_server, woo_shop, families=5, scopes=scopes, name="many")
    coordinator = make_coordinator(context, concurrency=1)

    before = woo_shop.request_counts["total"]
    result = await coordinator.sync_shop(many.shop_id, trigger=SyncTrigger.CLI)
    requests_for_five = woo_shop.request_counts["total"] - before

    assert result.status == "succeeded"
    problems = await mirror_problems(
        context.database,
        many.shop_id,
        woo_shop,
        families=list(zip(many.family_ids, scopes, strict=True)),
        since=window_start(),
    )
    assert problems == []
    rows = await cached_rows(context.database, many.shop_id)
    scoped = {row.woocommerce_order_id for row in rows if row.family_id == many.family_ids[3]}
    assert scoped
    assert all(o["customer_id"] == customer for o in orders if o["id"] in scoped)

    one = await add_shop(context, shop_server, woo_shop, families=1, name="one")
    before = woo_shop.request_counts["total"]
    await coordinator.sync_shop(one.shop_id, trigger=SyncTrigger.CLI)
    assert requests_for_five == woo_shop.request_counts["total"] - before


async def test_a_family_linked_later_receives_the_whole_window(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    from tests.factories import create_family, link_family

    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    async with context.database.transaction() as session:
        from lumina.models import ShopConnection

        shop_row = await session.get(ShopConnection, linked.shop_id)
        assert shop_row is not None
        family = await create_family(session)
        await link_family(session, family, shop_row)
    woo_shop.clock.advance(10)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)

    assert result.status == "succeeded"
    for family_id in (linked.family_ids[0], family.id):
        problems = await mirror_problems(
            context.database, linked.shop_id, woo_shop, families=[(family_id, None)], since=window_start()
        )
        assert problems == []


async def test_asking_for_more_days_fetches_the_older_part_once(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, days_back=10)
    ten = len(await cached_rows(context.database, linked.shop_id))

    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, days_back=45)
    assert result.status == "succeeded"
    assert result.created > 0
    assert len(await cached_rows(context.database, linked.shop_id)) == ten + result.created
    problems = await mirror_problems(
        context.database,
        linked.shop_id,
        woo_shop,
        families=[(linked.family_ids[0], None)],
        since=window_start(45),
    )
    assert problems == []
    again = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, days_back=45)
    assert (again.requests, again.reconciled) == (1, False)  # one listing: nothing new, and the same count


async def test_every_run_is_recorded_with_its_cursor(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    coordinator = make_coordinator(context)
    first = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    woo_shop.clock.advance(30)
    second = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)

    async with context.database.transaction() as session:
        runs = list(await session.scalars(select(SyncRun).order_by(SyncRun.id)))
    assert [(r.trigger, r.status) for r in runs] == [("cli", "succeeded"), ("schedule", "succeeded")]
    assert runs[0].cursor_before is None
    assert runs[0].cursor_after == runs[1].cursor_before
    assert runs[1].cursor_after is not None
    assert runs[1].cursor_after >= runs[1].cursor_before
    assert (runs[0].created, runs[0].requests, runs[0].pages) == (first.created, first.requests, first.pages)
    assert runs[1].finished_at is not None
    assert second.run_id == runs[1].id
    last = await coordinator.last_run(family_id=linked.family_ids[0])
    assert last is not None
    assert last.run_id == second.run_id


async def test_this_process_hears_which_families_a_sync_changed(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    from lumina.kit.changes import on_family_data_changed

    heard: list[frozenset[int] | None] = []

    def listener(families: frozenset[int] | None) -> None:
        heard.append(families)

    on_family_data_changed(listener)
    linked = await add_shop(context, shop_server, woo_shop, families=2)
    coordinator = make_coordinator(context)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    assert heard
    assert all(families == frozenset(linked.family_ids) for families in heard)

    heard.clear()
    woo_shop.clock.advance(30)
    await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
    assert heard == []  # nothing changed, nothing announced
