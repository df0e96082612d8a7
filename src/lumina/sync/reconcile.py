"""Periodic reconciliation: what an incremental sync by modification time cannot see.

Legacy (posts storage) shops edit addresses, items and totals without moving `date_modified`, and an order
deleted for good leaves no trace in any listing. So, now and then, the whole mirrored window is listed cheaply
(`_fields`: ids, modification times and the few fields the cache shows, no line items) with the same keyset
paging as the sync, compared with the cache, and only the orders that differ are fetched in full (by `include`).
Cached orders the listing never showed are checked once more by id, without any status filter, before they are
marked deleted: a listing glitch or a plugin's status must not delete anything.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.db import Database
from lumina.models import CachedOrder
from lumina.sync.cursor import Position, Slice
from lumina.sync.reader import ShopReader
from lumina.sync.routing import Route
from lumina.sync.scanner import Scanner
from lumina.sync.writer import existing_rows, same_columns, visible
from lumina.woocommerce import WooOrder

# Write a batch of full orders, or tombstone ids, each in one fenced transaction of the run.
OrderWriter = Callable[[Sequence[WooOrder]], Awaitable[None]]
Tombstoner = Callable[[Sequence[int]], Awaitable[None]]


def differs(order: WooOrder, rows: dict[tuple[int, int], object], routes: Sequence[Route]) -> bool:
    """Whether the cache holds anything but this version of the order for some family that should see it."""
    for route in routes:
        covered = route.covers(order.customer_id, order.billing_email)
        row = rows.get((route.family_id, order.id))
        if row is None:
            if covered:
                return True
            continue
        if order.date_modified < getattr(row, "date_modified"):  # noqa: B009 - a Row
            continue
        if getattr(row, "is_visible") != visible(order.status, covered):  # noqa: B009
            return True
        if not same_columns(row, order):
            return True
    return False


async def reconciliation_start(session: AsyncSession, shop_id: int, window_start: datetime) -> datetime:
    """From where to list: the sync window, or earlier if the cache holds older live orders."""
    oldest = await session.scalar(
        select(func.min(CachedOrder.date_modified)).where(
            CachedOrder.shop_id == shop_id, CachedOrder.deleted_at.is_(None)
        )
    )
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        return min(window_start, oldest)
    return window_start


@functools.cache
def _count_of(bounded: bool, created_after: bool) -> Select[int]:
    """`cached_count`'s statement, built once for each kind of window (each idle run sends one)."""
    orders = cast(Table, CachedOrder.__table__)
    modified = orders.c.date_modified
    statement = select(func.count(func.distinct(orders.c.woocommerce_order_id))).where(
        orders.c.shop_id == bindparam("shop_id", type_=orders.c.shop_id.type),
        modified >= bindparam("first", type_=modified.type),
        or_(orders.c.deleted_at.is_(None), orders.c.status == "trash"),
    )
    if bounded:
        statement = statement.where(modified <= bindparam("last", type_=modified.type))
    if created_after:
        statement = statement.where(orders.c.date_created > bindparam("created_after", type_=modified.type))
    return statement


async def cached_count(
    session: AsyncSession, shop_id: int, first: datetime, last: datetime | None, created_after: datetime | None
) -> int:
    """Orders of the shop the cache holds as existing (trash included, as the shop counts it) with a modification
    time from `first` to `last` (None: no end): what the shop's count of that window should equal."""
    params = {"shop_id": shop_id, "first": first, "last": last, "created_after": created_after}
    statement = _count_of(last is not None, created_after is not None)
    return int(await session.scalar(statement, params) or 0)


class Reconciler:
    """One reconciliation pass over a shop; the orders it fixes are written through the run's own writer."""

    def __init__(
        self,
        *,
        database: Database,
        shop_id: int,
        routes: Sequence[Route],
        stamps: ShopReader,
        full: ShopReader,
        write: OrderWriter,
        tombstone: Tombstoner,
        retention_cutoff: datetime | None,
        concurrency: int,
        stop: asyncio.Event,
    ) -> None:
        self.database = database
        self.shop_id = shop_id
        self.routes = routes
        self.stamps = stamps
        self.full = full
        self.write = write
        self.tombstone = tombstone
        self.retention_cutoff = retention_cutoff
        self.concurrency = concurrency
        self.stop = stop
        self.checked = 0
        self._seen: set[int] = set()

    async def run(self, since: datetime) -> bool:
        """List everything modified since `since`, fix what differs, tombstone what is gone; False if stopped."""
        scanner = Scanner(self.stamps, self._compare, concurrency=self.concurrency, stop=self.stop)
        if not await scanner.run([Slice(Position.at(since), None)]):
            return False
        async with self.database.transaction() as session:
            alive = set(
                await session.scalars(
                    select(CachedOrder.woocommerce_order_id)
                    .where(CachedOrder.shop_id == self.shop_id, CachedOrder.deleted_at.is_(None))
                    .where(CachedOrder.date_modified >= since)
                    .distinct()
                )
            )
        missing = sorted(alive - self._seen)
        if missing and not self.stop.is_set():
            await self._settle_missing(missing)
        return not self.stop.is_set()

    async def _compare(self, stamps: Sequence[WooOrder], _slices: Sequence[Slice]) -> None:
        self._seen.update(order.id for order in stamps)
        self.checked += len(stamps)
        relevant = [
            order for order in stamps if self.retention_cutoff is None or order.date_created >= self.retention_cutoff
        ]
        async with self.database.transaction() as session:
            rows = await existing_rows(session, self.shop_id, [order.id for order in relevant])
        stale = [order.id for order in relevant if differs(order, rows, self.routes)]
        if stale:
            await self.write(await self.full.by_ids(stale))

    async def _settle_missing(self, missing: Sequence[int]) -> None:
        """Orders cached but not listed: fetch them by id with any status; those the shop no longer has are gone."""
        found, gone = await fetch_or_gone(self.full, missing, passes=(None, ("trash",)))
        if found:
            await self.write(found)
        if gone:
            await self.tombstone(gone)


async def fetch_or_gone(
    reader: ShopReader, order_ids: Sequence[int], *, passes: Sequence[Sequence[str] | None]
) -> tuple[list[WooOrder], list[int]]:
    """The orders the shop still has, asked by id with each pass's statuses in turn (a status list leaves plugin
    statuses out, the default leaves trash out), and the ids no pass found: deleted for good."""
    found: list[WooOrder] = []
    rest = sorted(set(order_ids))
    for statuses in passes:
        if not rest:
            break
        page = await reader.by_ids(rest, statuses=statuses)
        found.extend(page)
        seen = {order.id for order in page}
        rest = [order_id for order_id in rest if order_id not in seen]
    return found, rest
