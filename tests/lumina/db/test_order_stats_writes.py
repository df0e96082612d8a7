"""Property: whatever reaches `cached_orders`, the aggregate behind the orders API's statistics equals a fresh GROUP
BY over the visible orders, after every step, on SQLite and PostgreSQL.

Hypothesis draws the steps from the real write paths: the sync writer's batched upserts (new orders, newer and
older and equal copies, status, currency, total and refund changes, orders moving in and out of a customer scope,
trash and restore), upserts that lost a race to a newer row, tombstones, retention, unlinking and relinking a shop,
deleting a family or a shop (foreign key cascades), and manual SQL. The status write-back writes the shop's
answer with the same `write_shop_orders` as the write steps here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from lumina.context import ServiceContext
from lumina.families.service import delete_family
from lumina.shops import repository as shop_links
from lumina.shops.service import link_family, remove_shop, unlink_family
from lumina.sync.retention import remove_expired_orders
from lumina.sync.upsert import FamilyRow, upsert_rows
from lumina.sync.writer import tombstone_orders, write_shop_orders
from lumina.woocommerce import WooOrder
from tests.conftest import empty_all_tables
from tests.factories import create_family, create_shop
from tests.lumina.db.support import assert_aggregate_exact
from tests.lumina.sync.test_writer import BASE, order

FAMILIES, SHOPS = 3, 2
SCOPE = {"customer_ids": [1, 2]}
# (family slot, shop slot, scoped): one family sees a shop whole, one only two customers of it, one sees both shops.
LINKS = [(0, 0, False), (1, 0, True), (1, 1, False), (2, 1, False)]
STATUSES = (
    "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
    "trash", "checkout-draft", "wc-shipped",
)  # fmt: skip
# Manual SQL, each on the orders whose id modulo 3 is the drawn number.
MANUAL = {
    "status": "UPDATE cached_orders SET status = 'completed' WHERE woocommerce_order_id % 3 = :n",
    "visibility": "UPDATE cached_orders SET is_visible = NOT is_visible WHERE woocommerce_order_id % 3 = :n",
    "money": "UPDATE cached_orders SET total = total + 1500000, total_refunded = total_refunded / 2"
    " WHERE woocommerce_order_id % 3 = :n",
    "currency": "UPDATE cached_orders SET currency = 'GBP' WHERE woocommerce_order_id % 3 = :n",
    "family": "UPDATE cached_orders SET family_id = (SELECT max(id) FROM families)"
    " WHERE woocommerce_order_id % 3 = :n AND family_id = (SELECT min(id) FROM families) AND NOT EXISTS ("
    "SELECT 1 FROM cached_orders AS held WHERE held.family_id = (SELECT max(id) FROM families)"
    " AND held.shop_id = cached_orders.shop_id AND held.woocommerce_order_id = cached_orders.woocommerce_order_id)",
    "delete": "DELETE FROM cached_orders WHERE woocommerce_order_id % 3 = :n",
}

family_slot = st.integers(min_value=0, max_value=FAMILIES - 1)
shop_slot = st.integers(min_value=0, max_value=SHOPS - 1)
order_id = st.integers(min_value=1, max_value=10)
spec = st.fixed_dictionaries(
    {
        "id": order_id,
        "status": st.sampled_from(STATUSES),
        "currency": st.sampled_from(("USD", "EUR")),
        "millis": st.integers(min_value=0, max_value=200_000),  # the total in thousandths
        "refund": st.sampled_from((0, 1, 2)),  # none, half, all
        "customer": st.integers(min_value=1, max_value=4),
        "modified": st.integers(min_value=0, max_value=8),  # seconds after BASE: copies come newer, older, equal
        "age": st.integers(min_value=1, max_value=30),  # days before BASE it was created
    }
)
step = st.one_of(
    st.tuples(st.just("write"), shop_slot, st.lists(spec, min_size=1, max_size=8)),
    st.tuples(st.just("upsert"), family_slot, shop_slot, st.booleans(), st.lists(spec, min_size=1, max_size=4)),
    st.tuples(st.just("tombstone"), shop_slot, st.lists(order_id, min_size=1, max_size=4)),
    st.tuples(st.just("retention"), st.integers(min_value=1, max_value=30)),
    st.tuples(st.just("unlink"), family_slot, shop_slot),
    st.tuples(st.just("link"), family_slot, shop_slot, st.booleans()),
    st.tuples(st.just("delete_family"), family_slot),
    st.tuples(st.just("delete_shop"), shop_slot),
    st.tuples(st.just("sql"), st.sampled_from(sorted(MANUAL)), st.integers(min_value=0, max_value=2)),
)


def woo_order(drawn: dict[str, Any]) -> WooOrder:
    millis = drawn["millis"]
    refunded = millis * drawn["refund"] // 2
    return order(
        drawn["id"],
        modified=drawn["modified"],
        status=drawn["status"],
        customer=drawn["customer"],
        currency=drawn["currency"],
        total=f"{millis // 1000}.{millis % 1000:03d}",
        refunds=[{"total": f"-{refunded // 1000}.{refunded % 1000:03d}"}] if refunded else [],
        email=f"c{drawn['customer']}@example.org",
        created=(BASE - timedelta(days=drawn["age"])).strftime("%Y-%m-%dT%H:%M:%S"),
    )


@dataclass
class World:
    context: ServiceContext
    families: list[int]
    shops: list[int]

    async def new_family(self, slot: int) -> None:
        async with self.context.database.transaction() as session:
            self.families[slot] = (await create_family(session)).id
            for family, shop, scoped in LINKS:
                if family == slot:
                    await self._link(session, family, shop, scoped)

    async def new_shop(self, slot: int) -> None:
        async with self.context.database.transaction() as session:
            self.shops[slot] = (await create_shop(session, self.context.secret_box)).id
            for family, shop, scoped in LINKS:
                if shop == slot:
                    await self._link(session, family, shop, scoped)

    async def _link(self, session: Any, family: int, shop: int, scoped: bool) -> None:
        await link_family(session, self.families[family], self.shops[shop], **(SCOPE if scoped else {}))

    async def apply(self, item: tuple[Any, ...]) -> None:
        kind, database, now = item[0], self.context.database, datetime.now(UTC)
        if kind == "retention":
            await remove_expired_orders(database, item[1], now=BASE)
        elif kind == "delete_family":
            async with database.transaction() as session:
                await delete_family(session, self.families[item[1]])
            await self.new_family(item[1])
        elif kind == "delete_shop":
            async with database.transaction() as session:
                await remove_shop(session, self.shops[item[1]])
            await self.new_shop(item[1])
        else:
            async with database.transaction() as session:
                await self._in_transaction(session, item, now)

    async def _in_transaction(self, session: Any, item: tuple[Any, ...], now: datetime) -> None:
        kind = item[0]
        if kind == "write":
            await write_shop_orders(
                session, self.shops[item[1]], [woo_order(d) for d in item[2]], retention_cutoff=None
            )
        elif kind == "upsert":  # as if a newer copy had been written between the writer's read and its upsert
            family, shop, shown = self.families[item[1]], self.shops[item[2]], item[3]
            latest = {d["id"]: woo_order(d) for d in item[4]}
            rows = [FamilyRow(o, family, shown, None) for o in latest.values()]
            await upsert_rows(session, shop, rows, synced_at=now)
        elif kind == "tombstone":
            await tombstone_orders(session, self.shops[item[1]], item[2], now=now)
        elif kind == "unlink":
            family, shop = self.families[item[1]], self.shops[item[2]]
            if await shop_links.link(session, family, shop) is not None:
                await unlink_family(session, family, shop)
        elif kind == "link":
            await self._link(session, item[1], item[2], item[3])
        else:
            await session.execute(text(MANUAL[item[1]]), {"n": item[2]})


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
async def test_the_aggregate_equals_a_fresh_group_by_after_every_write(
    context: ServiceContext, steps: list[tuple[Any, ...]]
) -> None:
    await empty_all_tables(context.database)
    world = World(context, [0] * FAMILIES, [0] * SHOPS)
    for slot in range(SHOPS):
        async with context.database.transaction() as session:
            world.shops[slot] = (await create_shop(session, context.secret_box)).id
    for slot in range(FAMILIES):
        await world.new_family(slot)
    for item in steps:
        await world.apply(item)
        await assert_aggregate_exact(context.database)
