"""One sync run of one shop, under its lease: plan the scan, page through the shop, reconcile when due, record.

Pages are written in transactions (one or several pages each, as they come: `lumina.sync.scanner`) holding the
orders, the scan's new durable position and the run's counters, each fenced by the lease. A crash, a kill or a
cancellation at any point leaves the last committed transaction and the position that covers it; the next run
resumes there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, not_, or_, update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.config import Settings
from lumina.db import Database
from lumina.kit.changes import family_data_changed
from lumina.live.announce import OrderChange, announce, iso, order_events, sync_events
from lumina.logging import get_logger
from lumina.models import CachedOrder, ShopConnection, ShopSyncState, SyncRunStatus, SyncTrigger
from lumina.sync import metrics, runs
from lumina.sync.cursor import ONE_SECOND, Position, ShopClock, Slice, later, whole_second
from lumina.sync.errors import ScanError
from lumina.sync.reader import PER_PAGE, ShopReader, listing_statuses
from lumina.sync.reconcile import Reconciler, cached_count, reconciliation_start
from lumina.sync.routing import Route, needs_rescan, route_map, unlinked
from lumina.sync.runs import SyncResult
from lumina.sync.scanner import Scanner
from lumina.sync.state import ShopLease, load_state, slice_values, slices_of, tail_position
from lumina.sync.writer import StaleGuard, WriteCounts, tombstone_orders, write_routed
from lumina.woocommerce import ShopTooOldError, WooClient, WooError, WooOrder

logger = get_logger("lumina.sync")

# A run's client, as `async with factory(shop) as client`: a new one closed after the run, or one kept for the shop.
ClientFactory = Callable[[ShopConnection], AbstractAsyncContextManager[WooClient]]


class SyncProgress(Protocol):
    """What a progress display hears about (the CLI's bar); every method must return quickly."""

    def started(self, shop_id: int, shop_name: str) -> None: ...

    def advanced(self, shop_id: int, processed: int, total: int | None) -> None: ...

    def finished(self, result: SyncResult) -> None: ...


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How runs behave; defaults follow the settings."""

    days_back: int = 30
    retention_days: int = 90
    concurrency: int = 4
    page_size: int = PER_PAGE  # orders per request (WooCommerce's maximum); smaller for very slow shops
    reconcile_every: timedelta = timedelta(hours=6)
    # Compare the shop's count of orders in the window with the cache's after each scan (one request) and
    # reconcile at once when they differ: orders deleted for good leave no other trace.
    count_check: bool = True
    backoff_base: timedelta = timedelta(minutes=30)
    backoff_cap: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SyncOptions:
        values: dict[str, object] = {
            "days_back": settings.sync_days_back,
            "retention_days": settings.retention_days,
            "concurrency": settings.sync_max_concurrency,
            "backoff_base": timedelta(minutes=settings.sync_interval),
            "reconcile_every": timedelta(minutes=settings.reconcile_interval),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def lanes(self) -> int:
        """Slices paged at once: one more than the shop's request slots (`concurrency`), so that a slot an answer
        frees is taken at once by a waiting request while that answer's lane decodes and writes its page."""
        return self.concurrency + 1

    def retention_cutoff(self, now: datetime) -> datetime | None:
        return now - timedelta(days=self.retention_days) if self.retention_days > 0 else None

    def backoff(self, failures: int) -> timedelta:
        delay: timedelta = self.backoff_base * 2 ** min(max(failures - 1, 0), 16)
        return min(delay, self.backoff_cap)


@dataclass(slots=True)
class _Plan:
    slices: list[Slice]
    routes: list[Route]
    statuses: tuple[str, ...]
    window_start: datetime
    reconcile: bool
    cursor_before: datetime | None
    shop_name: str
    # Only an open tail to follow: one request may show that nothing changed (see `_unchanged`); `counted` when the
    # shop's count of the window is to be compared with the cache's, `agreed` the count they last agreed on.
    probe: bool = False
    counted: bool = False
    agreed: int | None = None
    backfill: bool = False  # the shop's first sync


@dataclass(frozen=True, slots=True)
class _Ending:
    """How a run ended: `error` for the log and the shop's health, `reason` for the run record and the result."""

    status: SyncRunStatus
    error: str | None
    reason: str | None
    reconciled: bool


@dataclass(slots=True)
class _Tally:
    counts: WriteCounts = field(default_factory=WriteCounts)
    cursor: datetime | None = None
    total: int | None = None


def error_text(exc: BaseException) -> str:
    """A message for the log and the shop's health (operators): the client's errors are already free of
    credentials, and may quote the shop's own (redacted) words. A database error is the driver's words only, not
    the statement: a page's statement would quote orders that the run's members may not see."""
    if isinstance(exc, WooError | ScanError):
        text = str(exc)
    elif isinstance(exc, StatementError) and exc.orig is not None:
        text = f"{type(exc).__name__}: {exc.orig}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:1000]


def reason_text(exc: BaseException) -> str:
    """A message for the run record, which members see (`lastRun`): a shop's error in the client's words only."""
    return exc.summary()[:1000] if isinstance(exc, WooError) else error_text(exc)


def scan_key(shop: ShopConnection, statuses: Sequence[str]) -> str:
    """Changes when what the cursor is a position in changes: another shop URL, another list of statuses."""
    return hashlib.sha256(f"{shop.url}|{','.join(sorted(statuses))}".encode()).hexdigest()[:32]


class ShopSync:
    """Runs one sync of one shop. The caller takes `lease` and, in that session, calls `prepare`; then `run`,
    which gives the lease back (or `abandon`, when the run is not to go on)."""

    def __init__(
        self,
        *,
        database: Database,
        shop: ShopConnection,
        lease: ShopLease,
        client_factory: ClientFactory,
        options: SyncOptions,
        trigger: SyncTrigger,
        stop: asyncio.Event,
        days_back: int | None = None,
        family_id: int | None = None,
        reconcile: bool | None = None,
        progress: SyncProgress | None = None,
    ) -> None:
        self.database = database
        self.shop = shop
        self.shop_id = shop.id
        self.lease = lease
        self.client_factory = client_factory
        self.options = options
        self.trigger = trigger
        self.stop = stop
        self.days_back = days_back
        self.family_id = family_id
        self.force_reconcile = reconcile
        self.progress = progress
        self.tally = _Tally()
        self.guard = StaleGuard()
        self.run_id: int | None = None
        self.started_at = datetime.now(UTC)
        self._began = time.monotonic()
        self._client: WooClient | None = None
        self._plan: _Plan | None = None
        self._hidden_for: list[int] = []
        self._tail: Position | None = None  # where an unchanged shop's cursor moves, stored with the run's end
        self._agreed: int | None = None  # the window's count the shop and the cache agree on, stored with it too

    # -- the run ------------------------------------------------------------------------------------------------

    async def run(self) -> SyncResult:
        """The run `prepare` planned, once its session ended."""
        plan = self._plan
        assert plan is not None, "prepare() first, in the session that took the lease"
        status, error, reconciled = SyncRunStatus.FAILED, None, False
        reason: str | None = None
        heartbeat = asyncio.create_task(self.lease.heartbeat())
        try:
            self._started(plan)
            if self.progress:
                self.progress.started(self.shop_id, plan.shop_name)
            if self.shop.supports_modified_after is False:
                raise ShopTooOldError(
                    "The shop's WooCommerce is older than 5.8: it ignores `modified_after`, so orders cannot be "
                    "synced incrementally. Update WooCommerce on the shop."
                )
            if not plan.routes:
                logger.info("no family is linked to this shop: nothing to sync", shop_id=self.shop_id)
                status = SyncRunStatus.SUCCEEDED
            else:
                async with self.client_factory(self.shop) as client:
                    self._client = client
                    unchanged = plan.probe and await self._unchanged(client, plan)
                    if plan.probe and (not unchanged or plan.reconcile):  # more than one request to make
                        await self._open_probed_run(plan)
                    complete = unchanged or await self._scan(client, plan)
                    if complete and not unchanged and not plan.reconcile and not self.stop.is_set():
                        plan.reconcile = await self._counts_differ(client, plan)
                    if complete and plan.reconcile and not self.stop.is_set():
                        reconciled = await self._reconcile(client, plan)
                    status = SyncRunStatus.SUCCEEDED if complete else SyncRunStatus.CANCELLED
        except asyncio.CancelledError:
            # Only the coordinator's `stop` cancels a run (callers wait on it through a shield): the run is
            # recorded and its result returned like any other.
            status, error = SyncRunStatus.CANCELLED, "cancelled: the service is shutting down"
        except Exception as exc:
            status, error, reason = SyncRunStatus.FAILED, error_text(exc), reason_text(exc)
            logger.warning("sync failed", shop_id=self.shop_id, error=error, error_type=type(exc).__name__)
        finally:
            heartbeat.cancel()
        ended = _Ending(status, error, reason or error, reconciled)
        return await asyncio.shield(self._finish(ended, time.monotonic() - self._began))

    async def abandon(self) -> SyncResult:
        """Close the run `prepare` opened without running it (the service stopping) and give the lease back."""
        reason = "cancelled: the service is shutting down"
        ending = _Ending(SyncRunStatus.CANCELLED, reason, reason, reconciled=False)
        return await self._finish(ending, time.monotonic() - self._began)

    async def prepare(self, session: AsyncSession, state: ShopSyncState, routes: list[Route]) -> None:
        """Decide what to scan, store the plan and, unless one request may show the shop unchanged, open the run
        record, in the session that took the lease (`state` is the row as taken, `routes` the shop's as read in it;
        on PostgreSQL each statement commits by itself, see `Database.standalone`). Only what changed is written: an
        unchanged shop's plan is the one stored, and its run writes nothing before its end."""
        now = datetime.now(UTC)
        days = self.days_back or self.options.days_back
        window_start = whole_second(now - timedelta(days=days))
        statuses = listing_statuses(self.shop.order_statuses)
        key = scan_key(self.shop, statuses)
        slices = slices_of(state)
        cursor_before = tail_position(slices)
        backfill_from = state.backfill_from
        first_sync = not slices
        rescan_for = needs_rescan(state.routes, routes)
        rescanning = first_sync or state.scan_key != key or bool(rescan_for)
        if rescanning:
            if not first_sync:
                logger.info(
                    "scanning the window again",
                    shop_id=self.shop_id,
                    reason="shop or statuses changed" if state.scan_key != key else "families linked or rescoped",
                    families=rescan_for,
                )
            slices = [Slice(Position(window_start), None)]
            backfill_from = window_start
        elif backfill_from is None or window_start < backfill_from:
            # A longer history was asked for: scan the older part as a slice of its own.
            slices.insert(0, Slice(Position(window_start), backfill_from or tail_position(slices)))
            backfill_from = window_start
        hidden_for = await self._apply_routes(session, state.routes, routes, now)
        reconcile_due = (
            state.last_reconciled_at is None or now - state.last_reconciled_at >= self.options.reconcile_every
        )
        reconcile = self.force_reconcile if self.force_reconcile is not None else (reconcile_due and not first_sync)
        probe = not rescanning and not reconcile and len(slices) == 1 and slices[0].open
        values = slice_values(slices)
        values.update(routes=route_map(routes), scan_key=key, backfill_from=backfill_from)
        if first_sync:
            values["last_reconciled_at"] = now  # a first backfill is as fresh as a reconciliation
        await self.lease.store(session, state, values)
        if not probe:  # a probe's run is recorded whole when it ends, or opened when it finds changes
            await self._open_run(session, routes, cursor_before)
        self._hidden_for = hidden_for
        self.tally.cursor = cursor_before
        self._plan = _Plan(slices, routes, statuses, window_start, reconcile, cursor_before, self.shop.name, probe,
                           probe and self._counts_apply(routes), state.agreed_count, first_sync)  # fmt: skip

    def _started(self, plan: _Plan) -> None:
        """What follows the commit of `prepare`: the caches of families whose orders it hid, the log (for a scan;
        only at DEBUG when the run may find the shop unchanged)."""
        if self._hidden_for:
            family_data_changed(self._hidden_for)
        # An idle shop's run (one request, most likely) says it all in its "sync finished" line.
        log = logger.debug if plan.probe else logger.info
        log(
            "sync started",
            shop_id=self.shop_id,
            run_id=self.run_id,
            trigger=self.trigger.value,
            families=len(plan.routes),
            slices=len(plan.slices),
            cursor=plan.cursor_before.isoformat() if plan.cursor_before else None,
            backfill=plan.backfill,
        )

    async def _apply_routes(
        self, session: AsyncSession, stored: dict[str, str] | None, routes: list[Route], now: datetime
    ) -> list[int]:
        """Hide the orders of families no longer linked, and those outside a family's narrowed scope; returns the
        families whose view changed."""
        hide = {"is_visible": False, "deleted_at": now}
        gone = unlinked(stored, routes)
        changed = list(gone)
        if gone:
            await session.execute(
                update(CachedOrder)
                .where(
                    CachedOrder.shop_id == self.shop_id,
                    CachedOrder.family_id.in_(gone),
                    CachedOrder.deleted_at.is_(None),
                )
                .values(**hide)
            )
        for route in routes:
            if not route.scoped or (stored or {}).get(str(route.family_id)) in (None, route.fingerprint):
                continue
            inside = or_(
                CachedOrder.customer_id.in_(sorted(route.customer_ids) or [-1]),
                CachedOrder.billing_email.in_(sorted(route.billing_emails) or [""]),
            )
            await session.execute(
                update(CachedOrder)
                .where(
                    and_(CachedOrder.shop_id == self.shop_id, CachedOrder.family_id == route.family_id),
                    CachedOrder.deleted_at.is_(None),
                    not_(inside),
                )
                .values(**hide)
            )
            changed.append(route.family_id)
        return changed

    # -- scanning -----------------------------------------------------------------------------------------------

    async def _scan(self, client: WooClient, plan: _Plan) -> bool:
        clock = ShopClock()
        reader = ShopReader(client, plan.statuses, clock, per_page=self.options.page_size)
        retention_cutoff = self.options.retention_cutoff(datetime.now(UTC))

        def on_total(total: int) -> None:
            self.tally.total = total
            self._report()

        async def sink(orders: Sequence[WooOrder], slices: Sequence[Slice]) -> None:
            if clock.origin is not None:
                self.guard.start(clock.origin)
            cursor = tail_position(slices)
            changes: list[OrderChange] = []
            async with self.database.transaction() as session:
                await self.lease.fence(session, **slice_values(slices))
                counts = await write_routed(
                    session, self.shop_id, plan.routes, orders, retention_cutoff=retention_cutoff, guard=self.guard,
                    changes=changes,
                )  # fmt: skip
                await announce(session, order_events(changes))
                total = WriteCounts()
                total.add(self.tally.counts)
                total.add(counts)
                await self._record(session, total, cursor)
                await self._announce_progress(session, plan.routes, processed=total.processed)
            self.tally.counts, self.tally.cursor = total, cursor
            self._announce(plan.routes, counts)
            self._report()

        scanner = Scanner(reader, sink, concurrency=self.options.lanes, stop=self.stop, on_total=on_total)
        return await scanner.run(plan.slices)

    async def _unchanged(self, client: WooClient, plan: _Plan) -> bool:
        """Whether nothing changed since the cursor, told by one request: the window's most recently modified order
        (newest first, one order) with the shop's count of the window. When nothing did, the cursor moves on as an
        empty listing would move it, and that count is compared with the cache's (`plan.reconcile` when they
        differ); otherwise the scan reads what changed."""
        tail = plan.slices[0].position
        clock = ShopClock()
        retention_cutoff = self.options.retention_cutoff(self.started_at)
        fetched = await ShopReader(client, plan.statuses, clock).newest(
            plan.window_start - ONE_SECOND, created_after=retention_cutoff
        )
        if fetched.orders and fetched.orders[0].date_modified >= tail.second:
            return False
        caught_up = clock.caught_up()
        if caught_up is not None:
            self._tail = later(tail, caught_up)
            self.tally.cursor = self._tail.second
        if plan.counted:
            plan.reconcile = await self._counts_disagree_in_window(fetched.total or 0, plan)
        return True

    def _counts_apply(self, routes: Sequence[Route]) -> bool:
        """Whether the shop's count of orders in the window is compared with the cache's: an order deleted for good
        is otherwise only found by the next full reconciliation. Not for shops with customer-scoped families,
        whose cache holds only part of the shop."""
        return self.options.count_check and not any(route.scoped for route in routes)

    async def _counts_disagree_in_window(self, shop_count: int, plan: _Plan) -> bool:
        """Whether the cache holds another number of the window's orders than the shop counts, for an unchanged
        shop. While the shop counts what it counted when the two last agreed, and nothing changed since, nothing
        was deleted for good (a new order would have changed the shop; one leaving the window changes its count),
        so the cache is not counted: that read every cached order of the window, in every run of every idle shop.
        The count agreed on is kept with the run's end (`agreed_count`)."""
        if shop_count != plan.agreed:
            cutoff = self.options.retention_cutoff(self.started_at)
            async with self.database.standalone() as session:
                cached = await cached_count(session, self.shop_id, plan.window_start, None, cutoff)
            if self._counts_disagree(shop_count, cached):
                return True
        self._agreed = shop_count
        return False

    def _counts_disagree(self, shop_count: int, cached: int) -> bool:
        if shop_count != cached:
            logger.info("the shop's order count differs from the cache's: reconciling", shop_id=self.shop_id,
                        shop_count=shop_count, cached_count=cached)  # fmt: skip
        return shop_count != cached

    async def _counts_differ(self, client: WooClient, plan: _Plan) -> bool:
        """After a scan, whether the shop holds another number of orders in the scanned window than the cache (one
        `per_page=1` request). Not after a first sync: nothing to compare."""
        cursor = self.tally.cursor
        if plan.cursor_before is None or cursor is None or not self._counts_apply(plan.routes):
            return False
        retention_cutoff = self.options.retention_cutoff(datetime.now(UTC))
        reader = ShopReader(client, plan.statuses, ShopClock())
        shop_count = await reader.count(
            plan.window_start - ONE_SECOND, cursor + ONE_SECOND, created_after=retention_cutoff
        )
        async with self.database.transaction() as session:
            cached = await cached_count(session, self.shop_id, plan.window_start, cursor, retention_cutoff)
        return self._counts_disagree(shop_count, cached)

    async def _reconcile(self, client: WooClient, plan: _Plan) -> bool:
        clock = ShopClock()
        retention_cutoff = self.options.retention_cutoff(datetime.now(UTC))

        async def write(orders: Sequence[WooOrder]) -> None:
            changes: list[OrderChange] = []
            async with self.database.transaction() as session:
                await self.lease.fence(session)
                counts = await write_routed(
                    session, self.shop_id, plan.routes, orders, retention_cutoff=retention_cutoff, guard=self.guard,
                    changes=changes,
                )  # fmt: skip
                await announce(session, order_events(changes))
                total = WriteCounts()
                total.add(self.tally.counts)
                total.add(counts)
                await self._record(session, total, self.tally.cursor)
            self.tally.counts = total
            self._announce(plan.routes, counts)

        async def tombstone(order_ids: Sequence[int]) -> None:
            now = datetime.now(UTC)
            changes: list[OrderChange] = []
            async with self.database.transaction() as session:
                await self.lease.fence(session)
                deleted = await tombstone_orders(session, self.shop_id, order_ids, now=now, changes=changes)
                await announce(session, order_events(changes))
                total = WriteCounts()
                total.add(self.tally.counts)
                total.deleted += deleted
                await self._record(session, total, self.tally.cursor)
            self.tally.counts = total
            if deleted:
                family_data_changed(route.family_id for route in plan.routes)

        async with self.database.transaction() as session:
            since = await reconciliation_start(session, self.shop_id, plan.window_start)
        reconciler = Reconciler(
            database=self.database,
            shop_id=self.shop_id,
            routes=plan.routes,
            stamps=ShopReader(client, plan.statuses, clock, per_page=self.options.page_size, stamps_only=True),
            full=ShopReader(client, plan.statuses, clock, per_page=self.options.page_size),
            write=write,
            tombstone=tombstone,
            retention_cutoff=retention_cutoff,
            concurrency=self.options.concurrency,
            stop=self.stop,
        )
        done = await reconciler.run(since - timedelta(seconds=1))
        if done:
            async with self.database.transaction() as session:
                await self.lease.fence(session, last_reconciled_at=datetime.now(UTC))
            logger.info("reconciled", shop_id=self.shop_id, orders_checked=reconciler.checked)
        return done

    # -- recording ----------------------------------------------------------------------------------------------

    def _stats(self) -> tuple[int, int]:
        if self._client is None:
            return 0, 0
        stats = self._client.stats
        return stats.requests, stats.pages

    async def _record(self, session: AsyncSession, counts: WriteCounts, cursor: datetime | None) -> None:
        assert self.run_id is not None
        requests, pages = self._stats()
        await runs.record_progress(session, self.run_id, counts, requests=requests, pages=pages, cursor_after=cursor)

    async def _announce_progress(
        self, session: AsyncSession, routes: Sequence[Route], *, processed: int, start: bool = False
    ) -> None:
        """Tell the families' live streams how far the scan is, once this transaction commits: the run's start
        (`start`: no page yet, whatever a probe read), then each transaction of pages written. `total` is what the
        shop counted when first asked, if it said."""
        pages = 0 if start else self._stats()[1]
        progress = {"run": self.run_id, "started": iso(self.started_at), "pages": pages,
                    "processed": processed, "total": self.tally.total}  # fmt: skip
        await announce(session, sync_events((route.family_id for route in routes), progress, kind="progress"))

    async def _open_run(self, session: AsyncSession, routes: Sequence[Route], cursor_before: datetime | None) -> None:
        """Open the run's record and tell the families' live streams that it started (once `session` commits).

        A run that may find its shop unchanged (a probe) opens none: it ends a moment later, recorded whole in one
        statement with its lease given back (`_finish`), and telling its start would make every open dashboard of
        its families show "Syncing…" and read the run twice, in every cycle, for nothing. When it finds changes,
        its record is opened before the scan's first page (`_open_probed_run`)."""
        self.run_id = await runs.start_run(
            session,
            shop_id=self.shop_id,
            family_id=self.family_id,
            trigger=self.trigger,
            started_at=self.started_at,
            cursor_before=cursor_before,
        )
        await self._announce_progress(session, routes, processed=0, start=True)

    async def _open_probed_run(self, plan: _Plan) -> None:
        async with self.database.transaction() as session:
            await self.lease.fence(session)
            await self._open_run(session, plan.routes, plan.cursor_before)

    @staticmethod
    def _announce(routes: Sequence[Route], counts: WriteCounts) -> None:
        """Tell this process's caches (the orders API's) that the families' orders changed; committed already."""
        if counts.created or counts.updated or counts.deleted:
            family_data_changed(route.family_id for route in routes)

    def _report(self) -> None:
        if self.progress:
            self.progress.advanced(self.shop_id, self.tally.counts.processed, self.tally.total)

    async def _finish(self, ended: _Ending, duration: float) -> SyncResult:
        """Close the run record (or record the run whole, when it had none), update the shop's health and give the
        lease back."""
        status, error, reason = ended.status, ended.error, ended.reason
        plan = self._plan
        assert plan is not None  # `prepare` made it
        now = datetime.now(UTC)
        counts, (requests, pages) = self.tally.counts, self._stats()
        result = SyncResult(
            shop_id=self.shop_id,
            run_id=self.run_id,
            status=status.value,
            trigger=self.trigger.value,
            processed=counts.processed,
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            deleted=counts.deleted,
            requests=requests,
            pages=pages,
            started_at=self.started_at,
            finished_at=now,
            duration_seconds=round(duration, 3),
            error=reason,
            family_id=self.family_id,
            cursor_before=plan.cursor_before,
            cursor_after=self.tally.cursor,
            reconciled=ended.reconciled,
        )
        # Each statement stands alone (`Database.standalone`): on PostgreSQL the run's record commits first, then
        # the lease goes back with the shop's health, then the families hear of the end (a run recorded whole does
        # all three in one statement). None waits for a lock while holding another, so a cancelled page's transaction
        # still ending on the server (it locks the lease's row, then the run's) only makes them wait. A process dying
        # between them leaves a finished run with its lease held until it expires, or a lease given back whose end
        # was not told: the next run starts all the same.
        async with self.database.standalone() as session:
            health: dict[str, object] = {}
            if status is SyncRunStatus.SUCCEEDED:
                health = {
                    "last_success_at": now,
                    "consecutive_failures": 0,
                    "next_attempt_at": None,
                    "last_error": None,
                }
            elif status is SyncRunStatus.FAILED:
                state = await load_state(session, self.shop_id)
                failures = (state.consecutive_failures if state else 0) + 1
                health = {
                    "consecutive_failures": failures,
                    "next_attempt_at": now + self.options.backoff(failures),
                    "last_error": error,
                }
            kept = {**health, "agreed_count": self._agreed}
            if self._tail is not None:
                kept.update(slice_values([Slice(self._tail)]))
            told = []
            if status is not SyncRunStatus.CANCELLED:
                finished = {"status": status.value, "finished": iso(now), "created": counts.created,
                            "updated": counts.updated, "deleted": counts.deleted}  # fmt: skip
                told = sync_events((route.family_id for route in plan.routes), finished)
            if self.run_id is None:
                self.run_id = await runs.record_whole_run(session, self.lease, kept, result, told)
                result = dataclasses.replace(result, run_id=self.run_id)
            else:
                await runs.record_progress(
                    session, self.run_id, counts, requests=requests, pages=pages, cursor_after=self.tally.cursor,
                    status=status, error=reason,
                )  # fmt: skip
                await self.lease.release_in(session, **kept)
                await announce(session, told)
        log = logger.info if status is SyncRunStatus.SUCCEEDED else logger.warning
        log("sync finished", **result.log_fields())
        metrics.record_run(result, self._client.stats if self._client else None)
        if self.progress:
            self.progress.finished(result)
        return result
