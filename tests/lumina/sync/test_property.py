"""Property: whatever the shop does while we sync it, and however often the sync is killed, the next successful
cycle leaves a mirror equal to the shop, order by order and field by field.

Hypothesis draws a story: orders created, modified, trashed, restored, deleted for good, bulk-updated within one
second (several pages of them), edited silently (legacy storage), handed to another customer; the shop's clock
jumping; faults (errors, captchas, cut bodies, shifted and repeated pages); and syncs, each with changes made
*while* it pages and possibly killed (its task cancelled) between or inside pages. Pages are small, so a few
hundred orders make many pages, buckets and parallel slices. At the end, with faults gone:

- one incremental cycle must mirror every order except those only a reconciliation can see (silent edits and
  permanent deletes), and
- one reconciling cycle must mirror every order.

Size: LUMINA_PROPERTY_SCALE=ci (default, tens of seconds per database) or large (minutes), or a number of examples.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from lumina.sync import SyncCoordinator
from tests.conftest import empty_all_tables
from tests.lumina.db.support import assert_aggregate_exact
from tests.lumina.sync.support import Linked, add_shop, make_coordinator, mirror_problems, wait_until
from tests.lumina.sync.test_incremental import window_start
from woosim import FaultRule, ShopConfig, ShopServer, SimulatedShop

_SCALE = os.environ.get("LUMINA_PROPERTY_SCALE", "ci")
LARGE = _SCALE == "large"
EXAMPLES = int(_SCALE) if _SCALE.isdigit() else (150 if LARGE else 10)
MAX_STEPS = 30 if LARGE else 12
ORDERS = (150, 500) if LARGE else (60, 160)
PAGE = 10  # orders per request: many pages from few orders
ORDERS_PATH = "GET /wp-json/wc/v3/orders"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")
TIMEZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "UTC", "America/St_Johns")

pick = st.integers(min_value=0, max_value=10_000)
mutation = st.one_of(
    st.tuples(st.just("create"), st.sampled_from((*STATUSES, "checkout-draft"))),
    st.tuples(st.just("update"), pick, st.sampled_from(STATUSES)),
    st.tuples(st.just("trash"), pick),
    st.tuples(st.just("restore"), pick),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("bulk"), st.integers(min_value=5, max_value=45), st.sampled_from(STATUSES)),
    st.tuples(st.just("silent"), pick),
    st.tuples(st.just("customer"), pick, st.booleans()),
    st.tuples(st.just("advance"), st.integers(min_value=0, max_value=3)),
)
fault = st.one_of(
    st.tuples(st.just("status"), st.integers(min_value=1, max_value=3)),
    st.tuples(st.sampled_from(("captcha", "truncated_json")), st.integers(min_value=1, max_value=2)),
    st.tuples(st.sampled_from(("shift_pages", "duplicate_page")), st.integers(min_value=1, max_value=6)),
)
sync = st.tuples(
    st.just("sync"),
    st.lists(st.tuples(st.integers(min_value=0, max_value=8), mutation), max_size=4),  # (after k requests, change)
    st.one_of(st.none(), st.tuples(st.integers(min_value=0, max_value=10), st.sampled_from((0.0, 0.003, 0.02)))),
)
step = st.one_of(mutation, st.tuples(st.just("fault"), fault), sync)
story = st.fixed_dictionaries(
    {
        "seed": st.integers(min_value=1, max_value=10_000),
        "orders": st.integers(min_value=ORDERS[0], max_value=ORDERS[1]),
        "timezone": st.sampled_from(TIMEZONES),
        "concurrency": st.integers(min_value=1, max_value=4),
        "steps": st.lists(step, min_size=1, max_size=MAX_STEPS),
    }
)


@dataclass
class World:
    shop: SimulatedShop
    scoped_customers: list[int]
    other_customers: list[int]
    silent: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)

    def ids(self, statuses: tuple[str, ...] | None = None) -> list[int]:
        snapshot = self.shop.orders_snapshot()
        return sorted(i for i, o in snapshot.items() if statuses is None or o["status"] in statuses)

    def apply(self, change: tuple[Any, ...]) -> None:
        shop, kind = self.shop, change[0]
        if kind == "advance":
            shop.clock.advance(change[1])
        elif kind == "create":
            shop.create_order(status=change[1])
        elif kind == "bulk":
            ids = self.ids(STATUSES)
            if ids:
                start = len(ids) // 3
                shop.bulk_update(ids[start : start + change[1]], status=change[2])
        else:
            live = self.ids(STATUSES if kind != "restore" else ("trash",))
            if not live:
                return
            order_id = live[change[1] % len(live)]
            if kind == "update":
                shop.update_order(order_id, status=change[2])
            elif kind == "trash":
                shop.trash_order(order_id)
            elif kind == "restore":
                shop.restore_order(order_id)
            elif kind == "delete":
                shop.delete_order(order_id)
                self.deleted.add(order_id)
            elif kind == "silent":
                shop.edit_silently(order_id, billing={"first_name": f"Quiet{change[1]}"}, total=f"{change[1] % 500}.25")
                self.silent.add(order_id)
            elif kind == "customer":
                pool = self.scoped_customers if change[2] else self.other_customers
                shop.update_order(order_id, customer_id=pool[change[1] % len(pool)])


def add_fault(shop: SimulatedShop, spec: tuple[Any, ...]) -> None:
    kind, times = spec
    if kind == "status":
        rule = FaultRule(kind="status", status=503, retry_after=0, times=times, match=ORDERS_PATH)
    elif kind in ("shift_pages", "duplicate_page"):
        rule = FaultRule(kind=kind, times=times, probability=0.5, match=ORDERS_PATH)
    else:
        rule = FaultRule(kind=kind, times=times, match=ORDERS_PATH)
    shop.faults.add(rule)


async def run_sync(
    world: World, coordinator: SyncCoordinator, linked: Linked, during: list[tuple[int, Any]], kill: Any
) -> None:
    shop = world.shop
    start = shop.request_counts["list_orders"]
    task = asyncio.create_task(coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE))
    for after, change in sorted(during, key=lambda item: item[0]):
        await wait_until(lambda after=after: task.done() or shop.request_counts["list_orders"] >= start + after)
        world.apply(change)
    if kill is not None:
        after, delay = kill
        await wait_until(lambda: task.done() or shop.request_counts["list_orders"] >= start + after)
        await asyncio.sleep(delay)
        await coordinator.stop(grace=0)
        coordinator.resume()
    result = await task
    assert result.status in ("succeeded", "failed", "cancelled"), result


async def check(
    context: ServiceContext, world: World, linked: Linked, scope: dict[str, Any], ignore: frozenset[int]
) -> list[str]:
    return await mirror_problems(
        context.database,
        linked.shop_id,
        world.shop,
        families=[(linked.family_ids[0], None), (linked.family_ids[1], scope)],
        since=window_start(),
        ignore=ignore,
    )


@pytest.mark.timeout(0 if LARGE or EXAMPLES > 10 else 300)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LARGE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(story=story)
async def test_the_mirror_equals_the_shop_after_any_story(context: ServiceContext, story: dict[str, Any]) -> None:
    await empty_all_tables(context.database)
    config = ShopConfig(seed=story["seed"], order_count=story["orders"], days=40, timezone=story["timezone"])
    with SimulatedShop(config) as shop, ShopServer(shop) as server:
        customers = sorted({o["customer_id"] for o in shop.orders_snapshot().values() if o["customer_id"]})
        scoped, others = customers[::3] or [1], customers[1::3] or [2]
        scope = {"customer_ids": scoped}
        linked = await add_shop(context, server, shop, families=2, scopes=[None, scope])
        world = World(shop, scoped, others)
        coordinator = make_coordinator(context, concurrency=story["concurrency"], page_size=PAGE)

        for item in story["steps"]:
            if item[0] == "fault":
                add_fault(shop, item[1])
            elif item[0] == "sync":
                await run_sync(world, coordinator, linked, item[1], item[2])
            else:
                world.apply(item)

        shop.faults.clear()
        shop.clock.advance(3)
        final = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE, reconcile=False)
        assert final.status == "succeeded", final.error
        problems = await check(context, world, linked, scope, frozenset(world.silent | world.deleted))
        assert problems == [], problems[:10]

        reconciled = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL, reconcile=True)
        assert reconciled.status == "succeeded", reconciled.error
        problems = await check(context, world, linked, scope, frozenset())
        assert problems == [], problems[:10]
        await assert_aggregate_exact(context.database)  # the statistics' triggers kept up with every write
