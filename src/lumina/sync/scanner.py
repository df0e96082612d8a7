"""Keyset paging over a shop's orders by modification time, in parallel time slices, safe under change.

Each request asks for page 1 of `modified_after = position - 1 s`, oldest first, and drops what the position
already holds; the position then moves to the last second of the page with the ids taken there. Orders modified
while we page only move forward in time, where a later request finds them; nothing shifts under a page number.

A full page whose orders all share one second (a bulk update) cannot move the position: that second is paged
through by id, pass after pass, until a pass sees exactly as many orders as the shop counts for it with the count
unchanged throughout (orders can only leave a past second, so a stable count means nothing was skipped).

A backfill splits the time range into slices scanned concurrently; idle workers split the slice with the most
orders left (work stealing), all of them at once, so `concurrency` requests stay in flight until the end. A slice
can be split as soon as its first page tells its size, while that page is still being checked. Every page is
handed to the sink together with the slices' committed positions, to be made durable in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from lumina.kit.foreground import FOREGROUND
from lumina.sync.cursor import ONE_SECOND, Position, ShopClock, Slice, later, whole_second
from lumina.sync.errors import IncompleteScanError, InconsistentPageError
from lumina.sync.reader import Fetched, ShopReader
from lumina.woocommerce import WooOrder

# Sinks receive the orders of one page and the durable state of every slice after it.
PageSink = Callable[[Sequence[WooOrder], Sequence[Slice]], Awaitable[None]]

MAX_SECOND_PASSES = 8
# Rows at the end of a full keyset page that the next request reads again (see `interpret`).
OVERLAP = 3
# A page contradicted by the shop's own count (a row moved while it was read) is read again, as often as a
# transient fault is retried: each read is one request, and failing the run costs a whole cycle.
INCONSISTENT_PAGE_RETRIES = 6
# Pages a slice may have handed to the writer and not seen committed: it reads ahead of a slow database this far,
# and of a transaction gathering pages (below) without waiting for it.
MAX_UNCOMMITTED_PAGES = 8
# A transaction waits for more pages, up to this many orders, for at most this long after its first page came,
# unless every slice being read waits for its own pages to be written. A commit writes every index page it changed:
# a page committed alone rewrote about as many index pages as it added rows (SQLite: 2.4 WAL frames an order
# against 1.2 for sixteen pages a transaction), and each transaction's own statements cost the same however many
# orders it holds (bench/README.md, "Pages gathered into one transaction").
GROUP_COMMIT_ORDERS = 1600
GROUP_COMMIT_LINGER_SECONDS = 0.25
# A slice is split for an idle worker only when at least this many pages are left in it.
MIN_PAGES_TO_SPLIT = 2


@dataclass(frozen=True, slots=True)
class Step:
    """What one keyset page means for a slice."""

    fresh: list[WooOrder]
    position: Position | None  # in-memory position after the page; None: caught up with the shop
    bucket: datetime | None = None  # a second holding more than a page, to be paged through by id


def interpret(fetched: Fetched, position: Position, end: datetime | None, *, overlap: int = OVERLAP) -> Step:
    """Read a keyset page (first page of `modified_after = position - 1 s`, before `end`, oldest first).

    The position advances to the row `overlap` places before the end of a full page; the rows after it are
    written too but read again by the next request, which therefore begins with rows already written: a response
    that lost its first row (a proxy's or shop's shifted page) loses nothing.
    """
    orders = fetched.orders
    for order in orders:
        if order.date_modified < position.second or (end is not None and order.date_modified >= end):
            raise InconsistentPageError(
                "the shop returned orders outside the requested modification window: it ignores "
                "modified_after/modified_before (WooCommerce older than 5.8?) or a cache serves stale pages"
            )
    if any(a.date_modified > b.date_modified for a, b in pairwise(orders)):
        raise InconsistentPageError("the shop did not sort the orders by modification time (orderby=modified)")
    if not fetched.full:
        if orders and fetched.total is not None and fetched.total != len(orders):
            raise InconsistentPageError(f"a last page of {len(orders)} orders came with a count of {fetched.total}")
        fresh = [order for order in orders if not position.has(order.id, order.date_modified)]
        return Step(fresh, None if end is None else Position(end))
    if orders[0].date_modified == orders[-1].date_modified:
        fresh = [order for order in orders if not position.has(order.id, order.date_modified)]
        return Step(fresh, position, bucket=orders[-1].date_modified)
    for keep in (len(orders) - overlap, len(orders)):
        kept = orders[: max(keep, 1)]
        pivot = kept[-1].date_modified
        taken = frozenset(o.id for o in kept if o.date_modified == pivot)
        if pivot == position.second:
            taken |= position.taken
        candidate = Position(pivot, taken)
        if pivot > position.second or not taken <= position.taken:
            fresh = [order for order in orders if not position.has(order.id, order.date_modified)]
            return Step(fresh, candidate)
    raise AssertionError("unreachable: a full page spanning two seconds always moves the position")  # pragma: no cover


def _first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that stopped the workers (the others were cancelled because of it)."""
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first_failure(error)
        if not isinstance(error, asyncio.CancelledError):
            return error
    return group.exceptions[0]


@dataclass(eq=False, slots=True)
class _Lane:
    committed: Position
    end: datetime | None
    position: Position  # in memory, ahead of `committed` by the pages whose seconds are not over yet
    remaining: int | None = None  # orders from `position` on, the next page included, from the shop's count
    checked: bool = False  # the lane's first full page was checked against the shop's count
    probing: bool = False  # an idle worker is finding where to split it
    overlap: dict[int, datetime] = field(default_factory=dict)  # written rows the next request reads again
    active: bool = False
    finished: bool = False


@dataclass(eq=False, slots=True)
class _Pending:
    """A page waiting to be written, with the position it takes its lane to."""

    lane: _Lane
    orders: Sequence[WooOrder]
    position: Position | None
    caught_up: bool
    done: asyncio.Future[None]
    at: float  # when it was handed over, on the loop's clock


class Scanner:
    """Runs keyset lanes over a list of slices until each is caught up, `stop` is set, or a fault is raised."""

    def __init__(
        self,
        reader: ShopReader,
        sink: PageSink,
        *,
        concurrency: int = 1,
        stop: asyncio.Event | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> None:
        self.reader = reader
        self.clock: ShopClock = reader.clock
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.stop = stop or asyncio.Event()
        self.on_total = on_total
        self._lanes: list[_Lane] = []
        self._idle = 0  # workers waiting for work
        self._pending: list[_Pending] = []  # pages waiting for the transaction being written
        self._writer: asyncio.Future[None] | None = None
        self._waiting = 0  # workers waiting for their pages to be written
        self._nudge = asyncio.Event()  # a page was handed over, or a worker began or ended waiting for one
        self._write_error: Exception | None = None
        self._changed = asyncio.Condition()

    async def run(self, slices: Sequence[Slice]) -> bool:
        """Scan; True when every slice caught up, False when stopped first."""
        self._lanes = [_Lane(s.position, s.end, s.position) for s in slices if not s.done]
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self.concurrency):
                    group.create_task(self._worker())
        except BaseExceptionGroup as failures:
            raise _first_failure(failures) from None
        return all(lane.finished for lane in self._lanes)

    # -- workers --------------------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            lane: _Lane | None = None
            async with self._changed:
                while True:
                    if self.stop.is_set():
                        self._changed.notify_all()
                        return
                    lane = next((x for x in self._lanes if not x.active and not x.finished), None)
                    victim = None if lane is not None else self._victim()
                    if lane is not None or victim is not None:
                        break
                    if not any(other.active for other in self._lanes):
                        self._changed.notify_all()
                        return
                    self._idle += 1
                    try:
                        await self._changed.wait()
                    finally:
                        self._idle -= 1
                if lane is not None:
                    lane.active = True
            if lane is None:
                assert victim is not None
                lane = await self._steal(victim)
                if lane is None:
                    continue
            try:
                await self._drive(lane)
            finally:
                lane.active = False
                self._nudge.set()
                async with self._changed:
                    self._changed.notify_all()

    def _victim(self) -> _Lane | None:
        """The busy slice with the most orders left, if it is worth splitting for an idle worker."""
        floor = MIN_PAGES_TO_SPLIT * self.reader.per_page
        candidates = [
            lane
            for lane in self._lanes
            if lane.active and not lane.finished and not lane.probing and (lane.remaining or 0) >= floor
        ]
        victim = max(candidates, key=lambda lane: lane.remaining or 0, default=None)
        if victim is not None:
            victim.probing = True
        return victim

    async def _steal(self, victim: _Lane) -> _Lane | None:
        """Split `victim` into equal shares of its remaining orders, one for it, one for this worker and one for
        each worker waiting for work. The cuts are found by asking the shop for the orders at those ranks (one-order
        pages, sent at once): slices then hold equal numbers of orders however they spread over time."""
        per_page = self.reader.per_page
        left = victim.remaining or 0
        parts = max(2, min(2 + self._idle, left // per_page))
        ranks = [left * share // parts for share in range(1, parts)]
        middles = await asyncio.gather(*(self._modified_at(victim, rank) for rank in ranks))
        async with self._changed:
            victim.probing = False
            cuts: list[tuple[datetime, int]] = []
            for middle, rank in zip(middles, ranks, strict=True):
                if middle is None or victim.finished:
                    continue
                second = whole_second(middle)
                low = cuts[-1][0] if cuts else victim.position.second
                if second > low and (victim.end is None or second < victim.end):
                    cuts.append((second, rank))
            if not cuts:
                victim.remaining = 0  # not splittable now; its next page tells again
                self._changed.notify_all()
                return None
            ends: list[tuple[datetime | None, int]] = [*cuts[1:], (victim.end, left)]
            thieves = [
                _Lane(Position(second), end, Position(second), remaining=next_rank - rank)
                for (second, rank), (end, next_rank) in zip(cuts, ends, strict=True)
            ]
            victim.end, victim.remaining = cuts[0][0], max(cuts[0][1] - per_page, 0)
            thieves[0].active = True
            self._lanes.extend(thieves)
            self._changed.notify_all()
            return thieves[0]

    async def _modified_at(self, victim: _Lane, rank: int) -> datetime | None:
        """The modification time of the victim's order at `rank`; None when it cannot be had."""
        try:
            return await self.reader.modified_at_rank(victim.position.modified_after, victim.end, rank)
        except Exception:  # a split is an optimisation: the victim's own requests report faults
            return None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- one slice --------------------------------------------------------------------------------------------

    async def _drive(self, lane: _Lane) -> None:
        """Keyset steps until the slice is done. Pages are committed while the next ones are requested (the next
        request needs only the in-memory position), so the database does not add to the shop's latency; a lane
        runs at most MAX_UNCOMMITTED_PAGES ahead of its commits, so a slow database slows the scan down instead of
        filling memory."""
        uncommitted: deque[asyncio.Future[None]] = deque()
        try:
            while not lane.finished and not self.stop.is_set():
                if lane.end is not None and lane.position.second >= lane.end:
                    lane.finished = True
                    await self._commit(lane, (), lane.position)
                    break
                await FOREGROUND.turn()  # the page's decoding and writing would hold up requests being answered
                fetched, step, end = await self._keyset(lane, check=not lane.checked)
                while len(uncommitted) >= MAX_UNCOMMITTED_PAGES:
                    await self._written(uncommitted.popleft())
                fresh = await self._take(lane, fetched, step, split=end != lane.end)
                if fresh is not None:
                    uncommitted.append(self._enqueue(lane, fresh, lane.position))
                    await self._notify()
        finally:
            if uncommitted:
                with self._blocked():
                    await asyncio.wait(uncommitted)
                for written in uncommitted:
                    error = None if written.cancelled() else written.exception()
                    if error is not None:
                        raise error

    async def _take(self, lane: _Lane, fetched: Fetched, step: Step, *, split: bool) -> list[WooOrder] | None:
        """Apply one keyset page to the lane; returns the orders of a plain step, for the caller to commit.
        Pages that end the slice or open a bucket are committed here (None). `split`: the slice was split while
        the page was out, so a full page's count is of a window the slice no longer spans."""
        lane.checked = True
        written_before = lane.overlap
        fresh = [o for o in step.fresh if written_before.get(o.id) != o.date_modified]
        if lane.end is not None:
            # The slice may have been split while the request was out: what lies beyond belongs to the other
            # half, which reads it itself.
            fresh = [o for o in fresh if o.date_modified < lane.end]
        after = step.position if step.bucket is None else None
        lane.overlap = {
            o.id: o.date_modified for o in fresh if after is not None and not after.has(o.id, o.date_modified)
        }
        if not (split and fetched.full):
            self._count(lane, fetched)
        if step.bucket is not None and (lane.end is None or step.bucket < lane.end):
            await self._notify()
            await self._scan_second(lane, step.bucket, written_before)
            return None
        if step.position is None or step.bucket is not None:
            # Caught up with the shop, or the second to page through now belongs to a later slice (which
            # leaves nothing before it in this one).
            if step.bucket is not None and lane.end is not None:
                lane.position = Position(lane.end)
            elif step.position is not None:
                lane.position = step.position
            lane.finished = True
            await self._commit(lane, fresh, lane.position, caught_up=step.position is None)
            return None
        lane.position = step.position
        if lane.end is not None and lane.position.second >= lane.end:
            lane.finished = True
            await self._commit(lane, fresh, lane.position)
            return None
        return fresh

    async def _keyset(self, lane: _Lane, *, check: bool) -> tuple[Fetched, Step, datetime | None]:
        """One keyset step, read again when the shop's answers contradict each other; with the window's end it
        was read with.

        With `check` (a lane's first full page, which no earlier page overlaps), the shop also counts the orders of
        the page's first second: a page that lost its first row holds fewer of them than the count. (A partial
        page is checked by `interpret` against its X-WP-Total.) Meanwhile idle workers may split the slice: the
        page has told its size.
        """
        for attempt in range(INCONSISTENT_PAGE_RETRIES + 1):
            end = lane.end
            try:
                fetched = await self.reader.keyset(lane.position.modified_after, end)
                step = interpret(fetched, lane.position, end)
                if check and fetched.full and step.bucket is None:
                    if lane.remaining is None:
                        # Counted as `_take` counts it, so that a slice of two pages is not split. The page in hand
                        # is not in the count, so the slice keeps a page less than an even share.
                        self._count(lane, fetched)
                        await self._notify()
                    first = fetched.orders[0].date_modified
                    counted = await self.reader.count(lane.position.modified_after, first + ONE_SECOND)
                    held = sum(1 for o in fetched.orders if o.date_modified == first)
                    if counted > held:
                        raise InconsistentPageError(
                            f"the shop counts {counted} orders modified at {first.isoformat()} but listed {held}"
                        )
            except InconsistentPageError:
                if attempt == INCONSISTENT_PAGE_RETRIES:
                    raise
                continue
            return fetched, step, end
        raise AssertionError("unreachable")  # pragma: no cover

    def _count(self, lane: _Lane, fetched: Fetched) -> None:
        """What a keyset page tells of its slice: the orders left after it, and for a scan's open-ended first
        slice, the first time it is counted, the shop's total (the progress bar's)."""
        if lane.remaining is None and lane.end is None and fetched.total is not None and self.on_total:
            self.on_total(fetched.total)
        lane.remaining = (fetched.total or 0) - len(fetched.orders) if fetched.full else 0

    async def _scan_second(self, lane: _Lane, second: datetime, written_before: dict[int, datetime]) -> bool:
        """Page through one second by id until a pass is verified complete; False when stopped."""
        held = lane.position.taken if lane.position.second == second else frozenset()
        written: dict[int, datetime] = {**written_before, **dict.fromkeys(held, second)}
        for _ in range(MAX_SECOND_PASSES):
            seen: set[int] = set()
            totals: set[int] = set()
            page = 1
            while True:
                if self.stop.is_set():
                    return False
                fetched = await self.reader.second(second, page)
                if fetched.total is not None:
                    totals.add(fetched.total)
                seen.update(o.id for o in fetched.orders if o.date_modified == second)
                fresh = [o for o in fetched.orders if written.get(o.id) != o.date_modified]
                written.update((o.id, o.date_modified) for o in fresh)
                await self._commit(lane, fresh, None)
                if not fetched.full:
                    break
                page += 1
            expected = next(iter(totals), 0)
            if len(totals) <= 1 and len(seen) == expected:
                lane.position = Position(second + ONE_SECOND)
                await self._commit(lane, (), lane.position)
                return True
        raise IncompleteScanError(
            f"the orders modified at {second.isoformat()} could not be listed consistently in "
            f"{MAX_SECOND_PASSES} passes (the shop's counts and pages disagree)"
        )

    async def _commit(
        self, lane: _Lane, orders: Sequence[WooOrder], position: Position | None, *, caught_up: bool = False
    ) -> None:
        await self._written(self._enqueue(lane, orders, position, caught_up=caught_up))

    def _enqueue(
        self, lane: _Lane, orders: Sequence[WooOrder], position: Position | None, *, caught_up: bool = False
    ) -> asyncio.Future[None]:
        """Hand the page and the slices' durable state to the sink; the lane's durable position moves only
        after the sink succeeded, and only as far as the shop's clock allows. Resolves once written.

        Pages are written one transaction at a time, in the order they came; pages that arrive while one is being
        written, or while it gathers them (`_gathered`), are written together (a group commit), so a slow write
        delays the lanes by one transaction, not by one per waiting page. After a failed write nothing more is
        written: a later page's position would cover the orders of the page that failed."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if self._write_error is not None:
            done.set_exception(self._write_error)
            return done
        self._pending.append(_Pending(lane, orders, position, caught_up, done, loop.time()))
        self._nudge.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_pending())
        return done

    async def _written(self, done: asyncio.Future[None]) -> None:
        # A cancellation (shutdown, lost lease) must not cut a transaction in half: the page in hand is
        # committed or rolled back as a whole, then the cancellation goes on.
        with self._blocked():
            try:
                await asyncio.shield(done)
            except asyncio.CancelledError:
                await asyncio.wait([done])
                if not done.cancelled():
                    done.exception()  # retrieved: the cancellation is what goes on
                raise

    @contextlib.contextmanager
    def _blocked(self) -> Iterator[None]:
        """A worker waits for its pages to be written: the writer need not wait for more from it."""
        self._waiting += 1
        self._nudge.set()
        try:
            yield
        finally:
            self._waiting -= 1

    async def _gathered(self) -> None:
        """Wait for more pages to write with those pending: until they hold GROUP_COMMIT_ORDERS, nothing more can
        come before a commit (every worker reading a slice waits for its pages), or the first has waited
        GROUP_COMMIT_LINGER_SECONDS. The slices are read on meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = self._pending[0].at + GROUP_COMMIT_LINGER_SECONDS
        while (
            sum(len(entry.orders) for entry in self._pending) < GROUP_COMMIT_ORDERS
            and self._waiting < sum(lane.active for lane in self._lanes)
            and loop.time() < deadline
        ):
            self._nudge.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._nudge.wait()

    async def _write_pending(self) -> None:
        while self._pending:
            await self._gathered()
            batch, self._pending = self._pending, []
            committed = {entry.lane: entry.lane.committed for entry in batch}
            for entry in batch:
                committed[entry.lane] = self._durable(entry, committed[entry.lane])
            orders = [order for entry in batch for order in entry.orders]
            try:
                if orders or any(position != lane.committed for lane, position in committed.items()):
                    await FOREGROUND.turn()
                    await self.sink(orders, self._durable_slices(committed))
            except Exception as error:
                self._write_error = error
                for entry in (*batch, *self._pending):
                    entry.done.set_exception(error)
                self._pending = []
                return
            except BaseException:
                for entry in (*batch, *self._pending):
                    entry.done.cancel()
                self._pending = []
                raise
            for lane, position in committed.items():
                lane.committed = position
            for entry in batch:
                entry.done.set_result(None)

    def _durable_slices(self, committed: Mapping[_Lane, Position]) -> list[Slice]:
        """The durable state once the `committed` positions are written: every slice not finished, in time order."""
        states = [Slice(committed.get(lane, lane.committed), lane.end) for lane in self._lanes]
        return sorted((s for s in states if not s.done), key=lambda s: s.position.second)

    def _durable(self, entry: _Pending, committed: Position) -> Position:
        """The lane's durable position once the entry is written: as far as its page and the shop's clock allow."""
        lane, position = entry.lane, entry.position
        candidate = self.clock.caught_up() if entry.caught_up else None
        if position is not None and not entry.caught_up:
            if lane.end is not None and position.second >= lane.end:
                position = Position(lane.end)
            candidate = self.clock.settle(position)
        if candidate is not None:
            if lane.end is not None and candidate.second > lane.end:
                candidate = Position(lane.end)
            committed = later(committed, candidate)
        return committed
