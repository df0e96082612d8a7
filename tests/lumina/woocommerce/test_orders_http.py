"""Listing, streaming, reading and writing orders against the simulated shop."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest

from lumina.woocommerce import ORDER_STATUSES, OrderQuery, PaginationLoopError, WooClient, WooOrder
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop

from .conftest import ORDER_COUNT, make_client
from .recordings import RECORDED, recording


async def test_streamed_pages_cover_every_order_once(client: WooClient) -> None:
    query = OrderQuery(per_page=7, statuses=ORDER_STATUSES)
    pages = [page async for page in client.iter_order_pages(query)]

    ids = [o.id for page in pages for o in page]
    assert len(ids) == len(set(ids)) == pages[0].total
    assert len(pages) == pages[0].total_pages == math.ceil(len(ids) / 7)
    assert client.stats.pages == len(pages)
    assert client.stats.requests == len(pages)  # the last page is known; no request for an empty one
    assert all(p.shop_time is not None for p in pages)
    assert [o.date_modified for o in (o for page in pages for o in page)] == sorted(
        o.date_modified for page in pages for o in page
    )


async def test_typed_orders(client: WooClient) -> None:
    page = await client.list_orders(OrderQuery(per_page=20))
    for order in page:
        assert isinstance(order.total, Decimal)
        assert order.date_created.utcoffset() == timedelta(0)
        assert order.raw["id"] == order.id
        assert order.billing_email is None or order.billing_email == order.billing_email.lower()


async def test_a_page_past_the_end_has_no_totals(client: WooClient) -> None:
    page = await client.list_orders(OrderQuery(per_page=100, page=50))
    assert page.orders == []
    assert page.total is None
    assert page.total_pages is None


async def test_an_exact_multiple_stops_at_the_last_page(client: WooClient) -> None:
    total = (await client.list_orders(OrderQuery(per_page=1))).total
    assert total is not None
    per_page = next(n for n in range(5, 12) if total % n == 0) if any(total % n == 0 for n in range(5, 12)) else 1
    client.reset_stats()
    pages = [p async for p in client.iter_order_pages(OrderQuery(per_page=per_page))]
    assert sum(len(p) for p in pages) == total
    assert client.stats.requests == total // per_page


async def test_trashed_orders_need_an_explicit_status_list(http_client: WooClient, shop: SimulatedShop) -> None:
    first = (await http_client.list_orders(OrderQuery(per_page=1))).orders[0]
    shop.trash_order(first.id)

    default = [o.id async for page in http_client.iter_order_pages(OrderQuery()) for o in page]
    everything = [
        o.id async for page in http_client.iter_order_pages(OrderQuery(statuses=ORDER_STATUSES)) for o in page
    ]

    assert first.id not in default
    assert first.id in everything
    assert (await http_client.get_order(first.id)).status == "trash"


async def test_modified_after_sees_a_change(client: WooClient, shop: SimulatedShop) -> None:
    newest = max(
        [o async for page in client.iter_order_pages(OrderQuery(statuses=ORDER_STATUSES)) for o in page],
        key=lambda o: o.date_modified,
    )
    shop.clock.advance(5)
    target = (await client.list_orders(OrderQuery(per_page=1, orderby="id"))).orders[0]
    shop.update_order(target.id, status="on-hold" if target.status != "on-hold" else "processing")

    changed = await client.list_orders(OrderQuery(modified_after=newest.date_modified, statuses=ORDER_STATUSES))

    assert [o.id for o in changed] == [target.id]


async def test_update_order_status_writes_through(client: WooClient, shop: SimulatedShop) -> None:
    order = next(o for o in (await client.list_orders(OrderQuery(per_page=20))).orders if o.status != "completed")
    updated = await client.update_order_status(order.id, "completed")
    assert updated.id == order.id
    assert updated.status == "completed"
    assert updated.date_modified >= order.date_modified
    assert (await client.get_order(order.id)).status == "completed"


async def test_stamps_are_a_cheap_listing_of_the_same_orders(client: WooClient) -> None:
    full = [o async for page in client.iter_order_pages(OrderQuery(per_page=50)) for o in page]
    full_bytes = client.reset_stats().bytes_received
    stamps = [s async for page in client.iter_order_stamps(OrderQuery(per_page=50)) for s in page]

    assert [(s.id, s.date_modified, s.status) for s in stamps] == [(o.id, o.date_modified, o.status) for o in full]
    assert client.stats.bytes_received < full_bytes / 4


async def test_fields_trim_orders_but_keep_what_the_model_needs(client: WooClient) -> None:
    page = await client.list_orders(OrderQuery(per_page=5, fields=["payment_method"]))
    assert len(page) == 5
    assert "line_items" not in page.orders[0].raw
    assert "payment_method" in page.orders[0].raw


async def test_an_empty_include_lists_nothing(client: WooClient) -> None:
    page = await client.list_orders(OrderQuery(include=[]))
    assert page.orders == []
    assert client.stats.requests == 0


async def test_include_lists_just_those_orders(client: WooClient) -> None:
    some = [o.id for o in (await client.list_orders(OrderQuery(per_page=3))).orders]
    page = await client.list_orders(OrderQuery(include=some))
    assert sorted(o.id for o in page) == sorted(some)


async def test_a_duplicated_page_is_a_loop_error(http_client: WooClient, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="duplicate_page", skip=1, times=1, match="GET /wp-json/wc/v3/orders"))
    with pytest.raises(PaginationLoopError):
        async for _ in http_client.iter_order_pages(OrderQuery(per_page=5)):
            pass


async def test_shifted_pages_do_not_break_streaming(http_client: WooClient, shop: SimulatedShop) -> None:
    shop.faults.add(FaultRule(kind="shift_pages", skip=1, times=1, match="GET /wp-json/wc/v3/orders"))
    ids = [o.id async for page in http_client.iter_order_pages(OrderQuery(per_page=5)) for o in page]
    assert 0 < len(ids) <= ORDER_COUNT + 5


async def test_concurrent_reads_share_the_bounded_client(http_server: ShopServer, shop: SimulatedShop) -> None:
    import asyncio

    from lumina.woocommerce import ClientLimits

    limits = ClientLimits(max_concurrency=2, requests_per_second=None)
    async with make_client(http_server, shop.read_write_key, limits=limits) as woo:
        ids = [o.id for o in (await woo.list_orders(OrderQuery(per_page=10))).orders]
        orders = await asyncio.gather(*(woo.get_order(i) for i in ids))
    assert [o.id for o in orders] == ids


async def test_the_recorded_store_read_through_the_client_matches_its_dataset() -> None:
    """woosim loaded with the real store's orders and keys: a full listing (trash included) parses to the same
    orders as the recorded ground truth."""
    path = RECORDED / "dataset-all-orders-after-mutations.json"
    truth = recording("dataset-all-orders-after-mutations")
    expected = {o["id"]: WooOrder.from_json(o) for key in ("orders", "trashed_orders") for o in truth[key]}
    with SimulatedShop(ShopConfig.from_recorded_dataset(path)) as recorded, ShopServer(recorded) as server:
        async with make_client(server, recorded.read_write_key) as woo:
            pages = [p async for p in woo.iter_order_pages(OrderQuery(statuses=ORDER_STATUSES))]
    got = {o.id: o for page in pages for o in page}
    assert got == expected
    assert len(pages) == 4
