"""Writing a shop's orders into every linked family's mirror: batched, idempotent, never going back in time.

One SELECT finds the rows already held for a batch; one multi-row upsert writes the new and changed ones. The
upsert's own guard (`ON CONFLICT ... DO UPDATE ... WHERE excluded.date_modified >= date_modified`) keeps an older
copy of an order from overwriting a newer one even when another writer (the status write-back, a webhook) raced
us between the SELECT and the write. An equal modification time does overwrite: legacy shops edit orders without
moving it, and the reconciliation brings exactly those copies.

Rows are never removed here. An order that is trashed, deleted for good, or leaves a family's customer scope
becomes a tombstone (`deleted_at`, not visible), so a late copy cannot bring it back unnoticed and a restored
order comes back with a newer modification time. Orders created before the retention cutoff are not written at
all, so that the retention job's deletions stay deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    Row,
    Table,
    bindparam,
    func,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.db.handoff import HandOff
from lumina.kit.foreground import FOREGROUND
from lumina.live.announce import OrderChange
from lumina.models import CachedOrder
from lumina.models.order import HIDDEN_STATUSES
from lumina.sync.routing import Route, load_routes
from lumina.sync.upsert import MIRRORED, UPSERT_CHUNK, FamilyRow, upsert_rows
from lumina.woocommerce import WooOrder

_TABLE: Table = CachedOrder.__table__  # type: ignore[assignment]
_COMPARED = tuple(name for name in MIRRORED if name != "raw_data")  # each named as WooOrder's field


@dataclass(slots=True)
class WriteCounts:
    """Per order (not per family row): what a batch did to the mirror."""

    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # newly trashed, or found deleted for good
    skipped: int = 0  # older than the retention cutoff, or in no family's scope

    def add(self, other: WriteCounts) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


def visible(status: str, covered: bool) -> bool:
    return covered and status not in HIDDEN_STATUSES


def _tombstoned(status: str, covered: bool) -> bool:
    # Drafts are hidden but not deleted: they become real orders when the checkout completes.
    return status == "trash" or not covered


def same_columns(row: Any, order: WooOrder) -> bool:
    """Whether a held row's mirrored columns, the order's JSON aside, equal the order's fields."""
    return all(getattr(row, name) == getattr(order, name) for name in _COMPARED)


def _same_values(row: Row[Any], order: WooOrder) -> bool:
    """Whether a held row mirrors the order; the order's JSON compared last, decoded only then when kept as
    text."""
    return same_columns(row, order) and row.raw_data == order.raw


def _held_rows() -> dict[str, HandOff]:
    """The lookup of `existing_rows`, per dialect, with the parameters `shop_id` and `order_ids`.

    PostgreSQL gets one index probe per order id, whatever its statistics say. The plain `shop_id = ... AND
    woocommerce_order_id IN (...)` let the planner, without statistics (before the first ANALYZE, or for a shop
    new since the last), estimate the shop's rows at 0.5 % of the table and a hundred order ids at far more, so
    it read all the shop's rows and filtered them by the list: every page of a backfill cost more than the one
    before, and a prepared statement's generic plan made while the table was small stayed so. The OFFSET 0 keeps
    the per-id subquery from being turned into a join, whose hash form would scan the shop's rows again.
    """
    columns = [_TABLE.c[name] for name in ("family_id", "woocommerce_order_id", "is_visible", "deleted_at", *MIRRORED)]
    shop = bindparam("shop_id", type_=Integer())
    order_ids = bindparam("order_ids", type_=postgresql.ARRAY(BigInteger()))
    wanted = func.unnest(order_ids).table_valued("id").render_derived(name="wanted")
    probe = (
        select(*columns)
        .where(_TABLE.c.shop_id == shop, _TABLE.c.woocommerce_order_id == wanted.c.id)
        .offset(literal_column("0"))
        .lateral("held")
    )
    # SQLite: the ids as one JSON array, so that the statement is the same for any number of them (an expanding
    # IN list is rendered again for each) and goes in one hand-off (`lumina.db.handoff`).
    listed = func.json_each(bindparam("order_ids", type_=JSON())).table_valued("value")
    by_list = select(*columns).where(
        _TABLE.c.shop_id == shop, _TABLE.c.woocommerce_order_id.in_(select(listed.c.value))
    )
    return {
        "postgresql": HandOff(select(probe).select_from(wanted).join(probe, true())),
        "sqlite": HandOff(by_list),
    }


_HELD_ROWS = _held_rows()


async def existing_rows(session: AsyncSession, shop_id: int, order_ids: Sequence[int]) -> dict[tuple[int, int], Any]:
    """The rows held for these orders, by (family id, order id)."""
    if not order_ids:
        return {}
    lookup = _HELD_ROWS[session.get_bind().dialect.name]
    rows = await lookup.rows(session, {"shop_id": shop_id, "order_ids": sorted(order_ids)})
    return {(row.family_id, row.woocommerce_order_id): row for row in rows}


class StaleGuard:
    """Remembers, for one run, the newest version seen of every order modified since the run began.

    Parallel slices can write an order out of order: a slice fetches version 1, the order changes, a later slice
    fetches and writes version 2, then version 1's page is written. The upsert's guard keeps version 1 from
    overwriting a row version 2 wrote; but where version 2 wrote no row (it left a family's customer scope)
    version 1 would create one. Only orders modified during the run can have two versions in it, so the memory
    stays as small as the shop's activity during the run.
    """

    def __init__(self) -> None:
        self.since: datetime | None = None
        self._newest: dict[int, datetime] = {}

    def start(self, since: datetime) -> None:
        if self.since is None:
            self.since = since

    def stale(self, order: WooOrder) -> bool:
        newest = self._newest.get(order.id)
        return newest is not None and newest > order.date_modified

    def note(self, order: WooOrder) -> None:
        if self.since is not None and order.date_modified >= self.since:
            newest = self._newest.get(order.id)
            if newest is None or order.date_modified > newest:
                self._newest[order.id] = order.date_modified


def _newest(orders: Sequence[WooOrder]) -> dict[int, WooOrder]:
    """One copy per order: the newest, the later one on a tie (a page may repeat an order)."""
    newest: dict[int, WooOrder] = {}
    for order in orders:
        held = newest.get(order.id)
        if held is None or order.date_modified >= held.date_modified:
            newest[order.id] = order
    return newest


async def write_routed(
    session: AsyncSession,
    shop_id: int,
    routes: Sequence[Route],
    orders: Sequence[WooOrder],
    *,
    retention_cutoff: datetime | None,
    now: datetime | None = None,
    guard: StaleGuard | None = None,
    changes: list[OrderChange] | None = None,
) -> WriteCounts:
    """Write `orders` of one shop to the families of `routes`; the caller commits. The rows written are appended
    to `changes` when given."""
    now = now or datetime.now(UTC)
    counts = WriteCounts()
    newest = _newest(orders)
    counts.processed = len(newest)
    wanted: dict[int, WooOrder] = {}
    for order_id, order in newest.items():
        if guard is not None:
            if guard.stale(order):
                counts.unchanged += 1
                continue
            guard.note(order)
        if retention_cutoff is not None and order.date_created < retention_cutoff:
            counts.skipped += 1
            continue
        wanted[order_id] = order
    held = await existing_rows(session, shop_id, list(wanted))
    chosen = list(wanted.values())
    for start in range(0, len(chosen), UPSERT_CHUNK):
        if start:
            await FOREGROUND.turn()
        writes: list[FamilyRow] = []
        for order in chosen[start : start + UPSERT_CHUNK]:
            outcome, newly_deleted = _route_order(order, routes, held, now=now, writes=writes)
            if not outcome:
                counts.skipped += 1  # in no family's scope
                continue
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            counts.deleted += newly_deleted
        await upsert_rows(session, shop_id, writes, synced_at=now)
        if changes is not None:
            changes.extend(
                OrderChange(row.family_id, row.order.id, row.order.status, row.order.date_modified, row.is_visible)
                for row in writes
            )
    return counts


def _route_order(
    order: WooOrder,
    routes: Sequence[Route],
    held: dict[tuple[int, int], Any],
    *,
    now: datetime,
    writes: list[FamilyRow],
) -> tuple[str, bool]:
    """Append the rows one order needs, one per family; returns what happened to it and whether it was just
    trashed ("created", "updated", "unchanged", or "" when no family may see it)."""
    outcome = ""
    newly_deleted = False
    for route in routes:
        row = held.get((route.family_id, order.id))
        covered = route.covers(order.customer_id, order.billing_email)
        if row is None and not covered:
            continue
        if row is not None and order.date_modified < row.date_modified:
            outcome = outcome or "unchanged"  # an older copy than the one held
            continue
        shown = visible(order.status, covered)
        deleted_at = None
        if _tombstoned(order.status, covered):
            deleted_at = (row.deleted_at if row is not None else None) or now
        if (
            row is not None
            and row.is_visible == shown
            and (row.deleted_at is None) == (deleted_at is None)
            and _same_values(row, order)
        ):
            outcome = outcome or "unchanged"
            continue
        outcome = "created" if row is None or outcome == "created" else "updated"
        newly_deleted = newly_deleted or (row is not None and order.status == "trash" and row.status != "trash")
        writes.append(FamilyRow(order, route.family_id, shown, deleted_at))
    return outcome, newly_deleted


async def write_shop_orders(
    session: AsyncSession,
    shop_id: int,
    orders: Sequence[WooOrder],
    *,
    retention_cutoff: datetime | None,
) -> WriteCounts:
    """Write a shop's orders to every family linked to it (the status write-back uses this with the shop's
    answer). Idempotent; the caller commits."""
    routes = await load_routes(session, shop_id)
    return await write_routed(session, shop_id, routes, orders, retention_cutoff=retention_cutoff)


async def tombstone_orders(
    session: AsyncSession,
    shop_id: int,
    order_ids: Sequence[int],
    *,
    now: datetime,
    changes: list[OrderChange] | None = None,
) -> int:
    """Mark orders deleted for good on the shop as gone from every family's view; returns how many orders. The
    rows hidden are appended to `changes` (status "deleted") when given."""
    if not order_ids:
        return 0
    result = await session.execute(
        update(_TABLE)
        .where(
            _TABLE.c.shop_id == shop_id,
            _TABLE.c.woocommerce_order_id.in_(sorted(set(order_ids))),
            _TABLE.c.deleted_at.is_(None),
        )
        .values(is_visible=False, deleted_at=now, synced_at=now)
        .returning(_TABLE.c.family_id, _TABLE.c.woocommerce_order_id, _TABLE.c.date_modified)
    )
    rows = result.all()
    if changes is not None:
        changes.extend(OrderChange(row.family_id, row.woocommerce_order_id, "deleted", row.date_modified, False)
                       for row in rows)  # fmt: skip
    return len({row.woocommerce_order_id for row in rows})
