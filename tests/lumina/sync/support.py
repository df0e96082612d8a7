"""Helpers for the sync tests: a shop row for a running simulated shop, a fast coordinator, and the check that
the cache mirrors the shop order by order and field by field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.live import LiveEvent, Subscription
from lumina.models import CachedOrder, ShopConnection, ShopSyncState, SyncRun, SyncTrigger
from lumina.models.order import HIDDEN_STATUSES
from lumina.shops.connect import build_client
from lumina.sync import SyncCoordinator, SyncOptions, SyncResult
from lumina.woocommerce import RetryPolicy, WooClient, WooOrder
from tests.factories import create_family, create_shop, link_family
from woosim import FaultRule, ShopServer, SimulatedShop

# With one request at a time, a sync's first two listings are its first page and the one-order check after it; both
# are committed before it asks for the next page.
ONE_PAGE_IN = 2

RowT = TypeVar("RowT")

# Faults are retried quickly in tests; attempts are enough to ride out a few injected failures in a row.
FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.05)


@dataclass(frozen=True)
class Linked:
    shop_id: int
    family_ids: tuple[int, ...]


async def add_shop(
    context: ServiceContext,
    server: ShopServer | str,
    shop: SimulatedShop,
    *,
    families: int = 1,
    scopes: Sequence[dict[str, Any] | None] = (),
    name: str = "Sim shop",
) -> Linked:
    """A shop row for `server` (or a fleet shop's URL), and `families` families linked to it (with the given customer
    scopes)."""
    async with context.database.transaction() as session:
        row = await create_shop(
            session,
            context.secret_box,
            url=server if isinstance(server, str) else server.base_url,
            consumer_key=shop.read_write_key.consumer_key,
            consumer_secret=shop.read_write_key.consumer_secret,
            name=name,
        )
        family_ids = []
        for index in range(families):
            family = await create_family(session)
            scope = scopes[index] if index < len(scopes) else None
            await link_family(session, family, row, **(scope or {}))
            family_ids.append(family.id)
    return Linked(row.id, tuple(family_ids))


async def stored(context: ServiceContext, model: type[RowT], key: int) -> RowT:
    """The row of `model` with primary key `key`, as committed."""
    async with context.database.transaction() as session:
        row = await session.get(model, key)
    assert row is not None
    return row


async def update_shop(context: ServiceContext, shop_id: int, **values: Any) -> None:
    """Set columns of a shop's row, as what a connection check learnt about it."""
    async with context.database.transaction() as session:
        shop = await session.get(ShopConnection, shop_id)
        assert shop is not None
        for name, value in values.items():
            setattr(shop, name, value)


def fast_client_factory(context: ServiceContext) -> Any:
    def factory(shop: ShopConnection) -> WooClient:
        return build_client(context.settings, context.secret_box, shop, retry=FAST_RETRY)

    return factory


def make_coordinator(context: ServiceContext, **options: Any) -> SyncCoordinator:
    lease_ttl = options.pop("lease_ttl", timedelta(seconds=30))
    return SyncCoordinator(
        context,
        client_factory=fast_client_factory(context),
        options=SyncOptions.from_settings(context.settings, **options),
        lease_ttl=lease_ttl,
    )


async def cached_rows(database: Database, shop_id: int) -> list[CachedOrder]:
    async with database.transaction() as session:
        return list(await session.scalars(select(CachedOrder).where(CachedOrder.shop_id == shop_id)))


def mirrored_values(order: WooOrder) -> dict[str, Any]:
    """What a family's row of the order should hold in each mirrored column."""
    return {
        "number": order.number,
        "status": order.status,
        "currency": order.currency,
        "total": order.total,
        "total_refunded": order.total_refunded,
        "customer_id": order.customer_id,
        "billing_email": order.billing_email,
        "customer_name": order.customer_name,
        "date_created": order.date_created,
        "date_modified": order.date_modified,
        "date_paid": order.date_paid,
        "date_completed": order.date_completed,
        "raw_data": order.source,
    }


def _covers(scope: dict[str, Any] | None, order: WooOrder) -> bool:
    if not scope:
        return True
    if order.customer_id and order.customer_id in scope.get("customer_ids", ()):
        return True
    return order.billing_email is not None and order.billing_email in scope.get("billing_emails", ())


async def mirror_problems(
    database: Database,
    shop_id: int,
    shop: SimulatedShop,
    *,
    families: Iterable[tuple[int, dict[str, Any] | None]],
    since: datetime | None,
    retention_cutoff: datetime | None = None,
    ignore: frozenset[int] = frozenset(),
) -> list[str]:
    """Every difference between the shop (the truth) and each family's mirror of it.

    Orders modified before `since` (outside the synced window) may be absent, but not different.
    """
    truth = {order_id: WooOrder.from_json(doc) for order_id, doc in shop.orders_snapshot().items()}
    rows = {(row.family_id, row.woocommerce_order_id): row for row in await cached_rows(database, shop_id)}
    problems: list[str] = []
    for family_id, scope in families:
        for order_id, order in truth.items():
            if order_id in ignore:
                continue
            row = rows.get((family_id, order_id))
            expected_visible = _covers(scope, order) and order.status not in HIDDEN_STATUSES
            if retention_cutoff is not None and order.date_created < retention_cutoff:
                if row is not None and row.is_visible:
                    problems.append(f"family {family_id} order {order_id}: older than retention but shown")
                continue
            if row is None:
                in_window = since is None or order.date_modified >= since
                if expected_visible and in_window:
                    problems.append(f"family {family_id} order {order_id} ({order.status}): missing")
                continue
            if row.is_visible != expected_visible:
                problems.append(
                    f"family {family_id} order {order_id}: visible={row.is_visible}, expected {expected_visible} "
                    f"(status {order.status}, cached {row.status})"
                )
            if not _covers(scope, order):
                continue
            expected = mirrored_values(order)
            for name, value in expected.items():
                held = getattr(row, name)
                if held != value:
                    shown = "raw data differs" if name == "raw_data" else f"{held!r} != {value!r}"
                    problems.append(f"family {family_id} order {order_id}: {name} {shown}")
        for (row_family, order_id), row in rows.items():
            if row_family == family_id and order_id not in truth and order_id not in ignore and row.is_visible:
                problems.append(f"family {family_id} order {order_id}: deleted on the shop but shown")
    return problems


class Closable(Protocol):
    """A service's sync engine that closes (`lumina.jobs.sync_thread`, `lumina.jobs.sync_process`)."""

    @property
    def stopping(self) -> bool: ...

    async def sync_family(self, family_id: int, *, trigger: SyncTrigger) -> SyncResult: ...

    async def close(self) -> None: ...


async def close_mid_backfill(engine: Closable, family_id: int, shop: SimulatedShop) -> SyncResult:
    """Sync the family; once a page is in and the next one asked for, close the engine (what SIGTERM leads to in
    `lumina serve`). The run's result."""
    hold = hold_listing(shop, skip=ONE_PAGE_IN)
    sync = asyncio.create_task(engine.sync_family(family_id, trigger=SyncTrigger.MANUAL))
    try:
        await wait_until(hold.held.is_set)
        closing = asyncio.create_task(engine.close())
        await wait_until(lambda: engine.stopping)
    finally:
        hold.release()
    await closing
    return await sync


async def check_stopped_between_pages(
    context: ServiceContext, linked: Linked, shop: SimulatedShop, *, since: datetime
) -> None:
    """After a stop mid-backfill: its one run recorded as cancelled, the shop's lease given back, and the next run
    resumes from the committed cursor to a mirror exact order by order."""
    async with context.database.transaction() as session:
        assert [run.status for run in await session.scalars(select(SyncRun))] == ["cancelled"]
        state = await session.get(ShopSyncState, linked.shop_id)
    assert state is not None
    assert state.lock_owner is None
    result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
    assert result.status == "succeeded", result.error
    families = [(family_id, None) for family_id in linked.family_ids]
    assert await mirror_problems(context.database, linked.shop_id, shop, families=families, since=since) == []


async def heard_until_a_run_ends(subscription: Subscription) -> list[LiveEvent]:
    """The live events a subscription hears, up to the end of a run ("sync")."""
    heard: list[LiveEvent] = []
    while not any(event.kind == "sync" for event in heard):
        heard.append(await asyncio.wait_for(subscription.queue.get(), 30))
    return heard


def hold_listing(shop: SimulatedShop, *, skip: int = 0) -> FaultRule:
    """Hold the shop's answers to order listings after the first `skip`: a sync waits there until `release()`."""
    return shop.faults.add(FaultRule(kind="hold", match="GET /wp-json/wc/v3/orders", skip=skip))


async def wait_until(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Poll `condition` (state of another thread or process) until it holds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if condition():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.002)


@pytest.fixture
async def running_engine(context: ServiceContext) -> AsyncIterator[SyncCoordinator]:
    """The sync coordinator in the context, as the service's start-up puts it (for POST /orders/sync)."""
    coordinator = make_coordinator(context)
    context.components["sync"] = coordinator
    yield coordinator
    await coordinator.stop()


# Rows a transaction has read from a table so far, by sequential scans and through every index (PostgreSQL counts a
# transaction's reads per relation until it reports them).
_ROWS_READ = text(
    "SELECT pg_stat_get_xact_tuples_returned(CAST(:table AS regclass))"
    " + coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0)"
    " FROM pg_index WHERE indrelid = CAST(:table AS regclass)"
)


async def rows_read(session: AsyncSession, table: str) -> int:
    """PostgreSQL only: what the session's transaction has read of `table` until now."""
    return int(await session.scalar(_ROWS_READ, {"table": table}) or 0)
