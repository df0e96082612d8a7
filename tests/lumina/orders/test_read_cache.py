"""The read cache of the orders API: the same bytes as an uncached read, one family's answers never another's,
writes of this process visible at once, writes of other processes within the TTL, and its bounds."""

from __future__ import annotations

import asyncio
import gc
import weakref
from decimal import Decimal

import httpx
import pytest
from pydantic import TypeAdapter
from sqlalchemy import update

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.kit.changes import all_family_data_changed, family_data_changed, family_data_changed_on_commit
from lumina.models import CachedOrder
from lumina.orders.read_cache import COMPONENT, CacheKey, OrderReadCache, read_cache_of
from lumina.orders.schemas import OrderEnvelope, OrderList, StatsEnvelope
from lumina.orders.service import ListQuery, OrderReader
from tests.factories import create_order
from tests.lumina.auth.support import SignedIn, sign_in
from tests.lumina.orders.conftest import Household, make_household

ORDERS = "/api/v1/orders"
READS = [
    ORDERS,
    f"{ORDERS}?status=processing,on-hold&orderBy=customer_name&order=ASC&limit=3&offset=1",
    f"{ORDERS}/stats",
]


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def cache_with_clock(context: ServiceContext, clock: ManualClock, ttl: float = 1.5) -> OrderReadCache:
    cache = OrderReadCache(ttl=ttl, max_bytes=2**20, clock=clock)
    context.components[COMPONENT] = cache
    return cache


async def change_elsewhere(database: Database, order_id: int, **values: object) -> None:
    """A write by another process (a sync in `lumina sync`, another API worker): nobody here is told."""
    async with database.transaction() as session:
        await session.execute(update(CachedOrder).where(CachedOrder.id == order_id).values(**values))


async def test_cached_answers_are_the_bytes_of_an_uncached_read(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    order_path = f"{ORDERS}/{member_home.orders[4].id}"
    for path in [*READS, order_path]:
        first = await client.get(path, headers=member.headers)
        again = await client.get(path, headers=member.headers)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content
        assert again.headers["content-type"] == "application/json"
        assert again.headers["content-length"] == str(len(first.content))
    assert read_cache_of(context).hits == 4

    # and the bytes FastAPI renders from the response models (what the endpoints answered before the cache)
    family = member.family.id
    async with database.transaction() as session:
        reader = OrderReader(session, family)
        listed = await reader.list_orders(ListQuery())
        stats = StatsEnvelope(stats=await reader.stats())
        order = OrderEnvelope(order=await reader.get_order(member_home.orders[4].id))
    expected = {
        ORDERS: TypeAdapter(OrderList).dump_json(listed, by_alias=True),
        f"{ORDERS}/stats": TypeAdapter(StatsEnvelope).dump_json(stats, by_alias=True),
        order_path: TypeAdapter(OrderEnvelope).dump_json(order, by_alias=True),
    }
    for path, body in expected.items():
        assert (await client.get(path, headers=member.headers)).content == body


async def test_one_familys_answers_are_never_served_to_another(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    neighbour = await sign_in(client, database)
    await make_household(
        database, context, [{"status": "processing", "total": Decimal("555.00")}] * 3, family=neighbour.family
    )
    for path in READS:
        mine = (await client.get(path, headers=member.headers)).json()
        theirs = (await client.get(path, headers=neighbour.headers)).json()
        assert mine != theirs
    assert (await client.get(ORDERS, headers=neighbour.headers)).json()["count"] == 3
    stranger_order = await client.get(f"{ORDERS}/{member_home.orders[0].id}", headers=neighbour.headers)
    assert stranger_order.status_code == 404


async def test_equal_queries_share_an_entry(
    client: httpx.AsyncClient, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    first = await client.get(f"{ORDERS}?status=processing,on-hold&order=DESC", headers=member.headers)
    second = await client.get(f"{ORDERS}?order=desc&status=on-hold,processing&limit=50", headers=member.headers)
    assert first.content == second.content
    cache = read_cache_of(context)
    assert (cache.misses, cache.hits) == (1, 1)


async def test_a_write_by_another_process_shows_once_the_ttl_is_over(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    clock = ManualClock()
    cache_with_clock(context, clock, ttl=1.5)
    order = member_home.orders[1]  # processing
    before = {path: (await client.get(path, headers=member.headers)).json() for path in READS}

    await change_elsewhere(database, order.id, status="completed")

    clock.now += 1.4  # the staleness the TTL allows
    assert {path: (await client.get(path, headers=member.headers)).json() for path in READS} == before
    clock.now += 0.1
    stats = (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]
    assert (stats["processing"], stats["completed"]) == (before[READS[2]]["stats"]["processing"] - 1, 3)
    listed = (await client.get(ORDERS, headers=member.headers)).json()
    assert next(o for o in listed["orders"] if o["id"] == order.id)["status"] == "completed"


async def test_entries_expire_after_the_ttl_set_in_the_settings(
    client: httpx.AsyncClient,
    database: Database,
    member: SignedIn,
    member_home: Household,
    context: ServiceContext,
) -> None:
    context.settings.orders_cache_seconds = 0.05
    order = member_home.orders[0]
    path = f"{ORDERS}/{order.id}"
    assert (await client.get(path, headers=member.headers)).json()["order"]["customer_name"] == "Grace Hopper"

    await change_elsewhere(database, order.id, customer_name="Grace Brewster Hopper")
    await asyncio.sleep(0.1)

    assert (await client.get(path, headers=member.headers)).json()["order"]["customer_name"] == "Grace Brewster Hopper"


async def test_a_zero_ttl_turns_the_cache_off(
    client: httpx.AsyncClient,
    database: Database,
    context: ServiceContext,
    member: SignedIn,
    member_home: Household,
) -> None:
    context.settings.orders_cache_seconds = 0
    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == 10
    await change_elsewhere(database, member_home.orders[0].id, is_visible=False)
    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == 9
    assert len(read_cache_of(context)) == 0


async def test_an_announced_change_shows_at_once(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    """What the sync writer does after each page it commits in this process."""
    cache_with_clock(context, ManualClock())
    order = member_home.orders[0]
    before = (await client.get(ORDERS, headers=member.headers)).json()
    async with database.transaction() as session:
        await session.execute(update(CachedOrder).where(CachedOrder.id == order.id).values(is_visible=False))
        family_data_changed_on_commit(session, [member.family.id])
        # not yet committed: a read now still sees (and may keep) the old rows
        assert (await client.get(ORDERS, headers=member.headers)).json() == before

    assert (await client.get(ORDERS, headers=member.headers)).json()["count"] == before["count"] - 1
    assert (await client.get(f"{ORDERS}/{order.id}", headers=member.headers)).status_code == 404


async def test_a_rolled_back_write_announces_nothing(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    cache = cache_with_clock(context, ManualClock())
    await client.get(ORDERS, headers=member.headers)

    async def failing_page() -> None:
        async with database.transaction() as session:
            family_data_changed_on_commit(session, [member.family.id])
            raise RuntimeError("the page failed")

    with pytest.raises(RuntimeError):
        await failing_page()
    await client.get(ORDERS, headers=member.headers)
    assert (cache.misses, cache.hits) == (1, 1)


async def test_other_families_entries_survive_an_announcement(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    cache = cache_with_clock(context, ManualClock())
    neighbour = await sign_in(client, database)
    for who in (member, neighbour):
        await client.get(f"{ORDERS}/stats", headers=who.headers)
    family_data_changed([neighbour.family.id])
    for who in (member, neighbour):
        await client.get(f"{ORDERS}/stats", headers=who.headers)
    assert (cache.misses, cache.hits) == (3, 1)
    all_family_data_changed()
    await client.get(f"{ORDERS}/stats", headers=member.headers)
    assert cache.misses == 4


async def test_refusals_are_never_kept(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    cache_with_clock(context, ManualClock())
    order = member_home.orders[10]  # in the trash: not visible
    assert (await client.get(f"{ORDERS}/{order.id}", headers=member.headers)).status_code == 404
    await change_elsewhere(database, order.id, is_visible=True)
    assert (await client.get(f"{ORDERS}/{order.id}", headers=member.headers)).status_code == 200
    assert (await client.get(ORDERS, params={"status": "shipped"}, headers=member.headers)).status_code == 400


# ------------------------------------------------------------------ the cache itself


def entry_key(family_id: int, name: str = "stats") -> CacheKey:
    return CacheKey(family_id, name)


async def test_concurrent_misses_share_one_read() -> None:
    cache = OrderReadCache(ttl=1.5, max_bytes=2**20, listen=False)
    reads = 0
    release = asyncio.Event()

    async def load() -> bytes:
        nonlocal reads
        reads += 1
        await release.wait()
        return b"{}"

    waiting = [asyncio.create_task(cache.fetch(entry_key(1), load)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [b"{}"] * 5
    assert reads == 1


async def test_a_read_that_raced_a_change_is_answered_but_not_kept() -> None:
    cache = OrderReadCache(ttl=1.5, max_bytes=2**20, listen=False)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_old_read() -> bytes:
        started.set()
        await release.wait()
        return b"old"

    racing = asyncio.create_task(cache.fetch(entry_key(1), slow_old_read))
    await started.wait()
    cache.families_changed(frozenset({1}))  # committed while the read was in flight
    release.set()
    assert await racing == b"old"

    async def fresh_read() -> bytes:
        return b"new"

    assert await cache.fetch(entry_key(1), fresh_read) == b"new"


async def test_errors_reach_every_waiter_and_are_not_kept() -> None:
    cache = OrderReadCache(ttl=1.5, max_bytes=2**20, listen=False)

    async def failing() -> bytes:
        await asyncio.sleep(0)
        raise LookupError("no such order")

    results = await asyncio.gather(*(cache.fetch(entry_key(1), failing) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    assert len(cache) == 0


async def test_the_size_is_bounded_least_recently_used_first_out() -> None:
    body = b"x" * 1000
    cache = OrderReadCache(ttl=60, max_bytes=3 * 1300, listen=False)

    async def load() -> bytes:
        return body

    for family in (1, 2, 3):
        await cache.fetch(entry_key(family), load)
    await cache.fetch(entry_key(1), load)  # used again: now the most recent
    await cache.fetch(entry_key(4), load)  # pushes out family 2's entry
    assert len(cache) == 3
    assert cache.size_bytes <= cache.max_bytes
    hits = cache.hits
    await cache.fetch(entry_key(1), load)
    await cache.fetch(entry_key(2), load)
    assert cache.hits == hits + 1  # 1 was kept, 2 was not

    huge = OrderReadCache(ttl=60, max_bytes=500, listen=False)
    assert await huge.fetch(entry_key(1), load) == body  # larger than the whole cache: answered, not kept
    assert len(huge) == 0


async def test_listening_does_not_keep_a_dropped_cache_alive(context: ServiceContext) -> None:
    cache = read_cache_of(context)
    dropped = weakref.ref(cache)
    context.components.clear()
    del cache
    gc.collect()
    assert dropped() is None
    family_data_changed([1])  # and announcing goes on without it


async def test_a_new_order_written_elsewhere_counts_after_the_ttl(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    clock = ManualClock()
    cache_with_clock(context, clock)
    assert (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]["total_orders"] == 10
    async with database.transaction() as session:
        await create_order(session, member_home.family, member_home.shop, status="pending")
    clock.now += 1.5
    assert (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]["total_orders"] == 11
