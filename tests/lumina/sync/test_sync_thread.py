"""The service's sync engine on its own thread, loop and database engine: what a run announces (live events, the
families whose data changed) reaches the requests' loop, and closing the engine mid-backfill leaves the shop's
cursor where its committed pages put it. (It parks for requests being answered: test_foreground.py.)"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from lumina.context import ServiceContext
from lumina.jobs.sync_thread import ThreadedSync
from lumina.kit.changes import on_family_data_changed
from lumina.live import BUS
from lumina.live import runtime as live_runtime
from lumina.models import SyncTrigger
from tests.lumina.sync.support import (
    add_shop,
    check_stopped_between_pages,
    close_mid_backfill,
    heard_until_a_run_ends,
    make_coordinator,
)
from tests.lumina.sync.test_incremental import window_start
from woosim import ShopServer, SimulatedShop


@pytest.fixture
async def engine(context: ServiceContext) -> AsyncIterator[ThreadedSync]:
    engine = await ThreadedSync.start(context, lambda own: (make_coordinator(own), None))
    yield engine
    await engine.close()


async def test_what_a_run_on_the_sync_thread_announces_arrives_on_the_requests_loop(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, engine: ThreadedSync
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    family_id = linked.family_ids[0]
    here = threading.get_ident()
    changed_on: list[int] = []

    def families_changed(family_ids: frozenset[int] | None) -> None:
        if family_ids is None or family_id in family_ids:
            changed_on.append(threading.get_ident())

    on_family_data_changed(families_changed)
    await live_runtime.start(context)  # on PostgreSQL the events come back through LISTEN, as from other processes
    subscription = BUS.subscribe(family_id)
    try:
        result = await engine.sync_family(family_id, trigger=SyncTrigger.MANUAL)
        heard = await heard_until_a_run_ends(subscription)
    finally:
        BUS.unsubscribe(subscription)
        await live_runtime.stop(context)

    assert result.status == "succeeded", result.error
    assert result.created > 100
    assert engine.coordinator.database is not context.database  # its own engine: connections belong to a loop
    kinds = {event.kind for event in heard}
    assert "sync" in kinds
    assert kinds & {"order", "orders"}  # an event per order, or one reload for a transaction of many
    assert changed_on
    assert set(changed_on) == {here}


async def test_closing_the_engine_mid_backfill_keeps_the_committed_pages_and_an_exact_cursor(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    engine = await ThreadedSync.start(context, lambda own: (make_coordinator(own, concurrency=1), None))
    stopped = await close_mid_backfill(engine, linked.family_ids[0], woo_shop)

    assert stopped.status == "cancelled"
    assert not engine.is_syncing()
    await check_stopped_between_pages(context, linked, woo_shop, since=window_start())
