"""A first backfill: every order found, and the progress bar told how many from the start."""

from __future__ import annotations

import pytest

from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from lumina.sync import SyncResult, scanner
from tests.lumina.sync.support import add_shop, make_coordinator, mirror_problems
from tests.lumina.sync.test_incremental import window_start
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop

ORDERS = "GET /wp-json/wc/v3/orders"
DAY = 86_400


class RecordedProgress:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int | None]] = []

    def started(self, shop_id: int, shop_name: str) -> None:
        pass

    def advanced(self, shop_id: int, processed: int, total: int | None) -> None:
        self.seen.append((processed, total))

    def finished(self, result: SyncResult) -> None:
        pass


async def test_the_progress_total_is_every_order_of_the_window_from_the_start(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    progress = RecordedProgress()
    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, progress=progress)

    assert result.status == "succeeded", result.error
    assert result.processed > 100
    totals = {total for _, total in progress.seen}
    assert totals <= {None, result.processed}  # one total, never a part of it
    assert all(processed <= result.processed for processed, _ in progress.seen)
    first_page = next(processed for processed, _ in progress.seen if processed > 0)
    assert all(total == result.processed for processed, total in progress.seen if processed >= first_page)


async def test_slices_of_a_sparse_shop_lose_no_order_to_first_pages_that_lost_their_first_row(
    context: ServiceContext,
) -> None:
    # One order every six days. A shop that drops a page's first row answers a window holding one order with an
    # empty page, which nothing can be checked against: a backfill split by time before it knows where the
    # orders are (one sixth of the window each) would lose orders here.
    with SimulatedShop(ShopConfig(order_count=0)) as shop, ShopServer(shop) as server:
        shop.clock.advance(-DAY * 27)
        for _ in range(5):
            shop.create_order(status="completed")
            shop.clock.advance(DAY * 6)
        shop.clock.advance(-DAY * 3)  # back to the present
        linked = await add_shop(context, server, shop)
        shop.faults.add(FaultRule(kind="shift_pages", times=5, match=ORDERS))
        result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
        shop.faults.clear()

        assert result.status == "succeeded", result.error
        assert result.created == 5
        problems = await mirror_problems(
            context.database, linked.shop_id, shop, families=[(linked.family_ids[0], None)], since=window_start()
        )
        assert problems == []


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_pages_read_while_a_transaction_gathers_them_are_written_in_it(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, monkeypatch: pytest.MonkeyPatch,
    concurrency: int,
) -> None:  # fmt: skip
    # A transaction that would wait for ever and for any number of orders: only slices that wait for their own
    # pages to be written send it off. The run still ends, with every order, in far fewer transactions than pages.
    monkeypatch.setattr(scanner, "GROUP_COMMIT_LINGER_SECONDS", 3600.0)
    monkeypatch.setattr(scanner, "GROUP_COMMIT_ORDERS", 10**9)
    linked = await add_shop(context, shop_server, woo_shop)
    progress = RecordedProgress()
    coordinator = make_coordinator(context, page_size=10, concurrency=concurrency)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI, progress=progress)

    assert result.status == "succeeded", result.error
    since, families = window_start(), [(linked.family_ids[0], None)]
    assert await mirror_problems(context.database, linked.shop_id, woo_shop, families=families, since=since) == []
    transactions = len({processed for processed, _ in progress.seen if processed})  # each reports its running count
    assert result.pages > 20
    assert transactions >= 1
    assert (transactions - 1) * 8 <= result.pages  # eight pages or more a transaction, the last aside

    # A run with one page to write does not wait for others either.
    order_id = next(iter(woo_shop.order_ids()))
    woo_shop.clock.advance(5)
    woo_shop.update_order(order_id, status="on-hold")
    woo_shop.clock.advance(5)
    again = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.CLI)
    assert (again.status, again.created + again.updated) == ("succeeded", 1), again.error
