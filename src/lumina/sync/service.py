"""The sync coordinator: the unit of work the API, the CLI, the scheduler (and later a task queue) call.

One per process. It keeps a shop from being synced twice at once (in this process by its own bookkeeping, across
processes by the shop's lease), fetches each shop once and routes its orders to every linked family, isolates
failures per shop, and stops gracefully: the page in hand is committed or rolled back, never half-written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.models import FamilyShop, ShopConnection, ShopSyncState, SyncTrigger
from lumina.shops.connect import KeptClients
from lumina.sync import runs
from lumina.sync.engine import ClientFactory, ShopSync, SyncOptions, SyncProgress, error_text, reason_text
from lumina.sync.errors import NoShopConfiguredError, SyncAlreadyRunningError
from lumina.sync.routing import load_shop
from lumina.sync.runs import SyncResult, combine
from lumina.sync.state import DEFAULT_LEASE_TTL, ShopLease, new_owner_id

logger = get_logger("lumina.sync")

# Shops synced at the same time by one `sync_all` (each with its own connection limits).
SHOPS_IN_PARALLEL = 4
DEFAULT_STOP_GRACE = 5.0
_BACKGROUND = (SyncTrigger.SCHEDULE, SyncTrigger.STARTUP)


@dataclass(frozen=True, slots=True)
class _Request:
    trigger: SyncTrigger
    days_back: int | None
    family_id: int | None
    reconcile: bool | None
    progress: SyncProgress | None


class SyncCoordinator:
    """Runs syncs of shops for one process; built from a ServiceContext."""

    def __init__(
        self,
        context: ServiceContext,
        *,
        client_factory: ClientFactory | None = None,
        options: SyncOptions | None = None,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
        owner: str | None = None,
        on_running: Callable[[frozenset[int]], None] | None = None,
    ) -> None:
        """`on_running` is told the shops this coordinator syncs each time a run starts or ends (a sync process
        tells the service, which answers `is_syncing` itself)."""
        self.context = context
        self.database = context.database
        self.options = options or SyncOptions.from_settings(context.settings)
        # Without a factory of the caller's, each shop's client is kept between its runs (closed by `stop`).
        self.clients: KeptClients | None = None
        if client_factory is None:
            self.clients = KeptClients(context.settings, context.secret_box)
            client_factory = self.clients.using
        self.client_factory = client_factory
        self.lease_ttl = lease_ttl
        self.owner = owner or new_owner_id()
        self._tasks: dict[int, asyncio.Task[SyncResult]] = {}
        self._stop = asyncio.Event()
        self.last_result: SyncResult | None = None
        self._on_running = on_running

    # -- queries ----------------------------------------------------------------------------------------------------

    def is_syncing(self, shop_id: int | None = None) -> bool:
        """Whether this process is syncing that shop (or any shop)."""
        if shop_id is None:
            return bool(self._tasks)
        return shop_id in self._tasks

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def last_run(self, *, family_id: int | None = None) -> SyncResult | None:
        """The newest recorded run (of the family's shops), from any process."""
        async with self.database.transaction() as session:
            run = await runs.latest_run(session, family_id=family_id)
        return SyncResult.of_run(run) if run is not None else None

    # -- syncing ------------------------------------------------------------------------------------------------

    async def sync_shop(
        self,
        shop_id: int,
        *,
        trigger: SyncTrigger,
        days_back: int | None = None,
        family_id: int | None = None,
        reconcile: bool | None = None,
        progress: SyncProgress | None = None,
    ) -> SyncResult:
        """Sync one shop now. Raises SyncAlreadyRunningError when it is being synced here or elsewhere.

        The run goes on if the caller is cancelled (a client hanging up); only `stop` interrupts it.
        """
        if self._stop.is_set():
            return SyncResult.skipped(shop_id, trigger, "the service is shutting down", family_id)
        if shop_id in self._tasks:
            raise SyncAlreadyRunningError()
        request = _Request(trigger, days_back, family_id, reconcile, progress)
        task = asyncio.create_task(self._run_shop(shop_id, request), name=f"sync-shop-{shop_id}")
        self._tasks[shop_id] = task
        task.add_done_callback(lambda done: self._forget(shop_id, done))
        self._tell_running()
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not task.cancelled() or (current is not None and current.cancelling()):
                raise
            # `stop` cancelled the run before it began its record (while taking the lease).
            result = SyncResult(shop_id=shop_id, run_id=None, status="cancelled", trigger=trigger.value,
                                error="cancelled: the service is shutting down", family_id=family_id)  # fmt: skip
        self.last_result = result
        return result

    def _forget(self, shop_id: int, task: asyncio.Task[SyncResult]) -> None:
        if self._tasks.get(shop_id) is task:
            del self._tasks[shop_id]
            self._tell_running()
        if not task.cancelled():
            task.exception()  # retrieved here: the caller may have gone away

    def _tell_running(self) -> None:
        if self._on_running is not None:
            self._on_running(frozenset(self._tasks))

    async def _claim(self, lease: ShopLease, request: _Request) -> ShopSync | None:
        """Take the shop's lease, read the shop and plan its run (see `ShopLease.acquire_and` and `ShopSync.prepare`);
        None when another process holds the lease."""

        async def begin(session: AsyncSession, state: ShopSyncState) -> ShopSync:
            loaded = await load_shop(session, lease.shop_id)
            if loaded is None:
                raise NoShopConfiguredError(f"There is no shop with id {lease.shop_id}.")
            shop, routes = loaded
            sync = ShopSync(
                database=self.database,
                shop=shop,
                lease=lease,
                client_factory=self.client_factory,
                options=self.options,
                trigger=request.trigger,
                stop=self._stop,
                days_back=request.days_back,
                family_id=request.family_id,
                reconcile=request.reconcile,
                progress=request.progress,
            )
            await sync.prepare(session, state, routes)
            return sync

        taken, sync = await lease.acquire_and(begin)
        return sync if taken else None

    async def _run_shop(self, shop_id: int, request: _Request) -> SyncResult:
        lease = ShopLease(self.database, shop_id, self.owner, self.lease_ttl)
        claiming = asyncio.ensure_future(self._claim(lease, request))
        try:
            sync = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            await asyncio.wait([claiming])
            claimed = None if claiming.cancelled() or claiming.exception() is not None else claiming.result()
            if claimed is not None:
                await claimed.abandon()
            raise
        if sync is None:
            raise SyncAlreadyRunningError("A sync of this shop is already running in another process.")
        return await sync.run()

    async def sync_family(
        self,
        family_id: int,
        *,
        trigger: SyncTrigger,
        days_back: int | None = None,
        reconcile: bool | None = None,
        progress: SyncProgress | None = None,
    ) -> SyncResult:
        """Sync the shops a family is linked to (every family linked to them gets the orders too).

        Raises NoShopConfiguredError when the family has no shop, SyncAlreadyRunningError when one is busy.
        """
        async with self.database.transaction() as session:
            shop_ids = list(
                await session.scalars(
                    select(FamilyShop.shop_id).where(FamilyShop.family_id == family_id).order_by(FamilyShop.id)
                )
            )
        if not shop_ids:
            raise NoShopConfiguredError()
        if any(self.is_syncing(shop_id) for shop_id in shop_ids):
            raise SyncAlreadyRunningError()
        results = []
        for shop_id in shop_ids:
            results.append(
                await self.sync_shop(
                    shop_id,
                    trigger=trigger,
                    days_back=days_back,
                    family_id=family_id,
                    reconcile=reconcile,
                    progress=progress,
                )
            )
        return combine(results)

    async def sync_all(
        self,
        *,
        trigger: SyncTrigger,
        days_back: int | None = None,
        reconcile: bool | None = None,
        progress: SyncProgress | None = None,
        shop_ids: Sequence[int] | None = None,
    ) -> list[SyncResult]:
        """One cycle over every shop (or `shop_ids`). Background cycles skip shops that are backing off after
        failures; a busy shop is skipped; one shop's failure never stops the others."""
        started = time.monotonic()
        async with self.database.transaction() as session:
            statement = (
                select(ShopConnection.id, ShopSyncState.next_attempt_at)
                .outerjoin(ShopSyncState, ShopSyncState.shop_id == ShopConnection.id)
                .order_by(ShopConnection.id)
            )
            if shop_ids is not None:
                statement = statement.where(ShopConnection.id.in_(list(shop_ids)))
            shops = [(row.id, row.next_attempt_at) for row in await session.execute(statement)]
        slots = asyncio.Semaphore(SHOPS_IN_PARALLEL)
        now = datetime.now(UTC)

        async def one(shop_id: int, next_attempt: datetime | None) -> SyncResult:
            if trigger in _BACKGROUND and next_attempt is not None and next_attempt > now:
                return SyncResult.skipped(shop_id, trigger, f"backing off until {next_attempt.isoformat()}")
            async with slots:
                try:
                    return await self.sync_shop(
                        shop_id, trigger=trigger, days_back=days_back, reconcile=reconcile, progress=progress
                    )
                except SyncAlreadyRunningError as exc:
                    return SyncResult.skipped(shop_id, trigger, exc.message)
                except Exception as exc:
                    logger.warning("sync could not start", shop_id=shop_id, error=error_text(exc))
                    return SyncResult(shop_id=shop_id, run_id=None, status="failed", trigger=trigger.value,
                                      error=reason_text(exc))  # fmt: skip

        results = list(await asyncio.gather(*(one(shop_id, next_attempt) for shop_id, next_attempt in shops)))
        self._summarise(trigger, results, time.monotonic() - started)
        return results

    @staticmethod
    def _summarise(trigger: SyncTrigger, results: Sequence[SyncResult], duration: float) -> None:
        logger.info(
            "sync summary",
            trigger=trigger.value,
            duration_s=round(duration, 3),
            shops=len(results),
            succeeded=sum(r.status == "succeeded" for r in results),
            failed=sum(r.status == "failed" for r in results),
            skipped=sum(r.status == runs.SKIPPED for r in results),
            cancelled=sum(r.status == "cancelled" for r in results),
            processed=sum(r.processed for r in results),
            created=sum(r.created for r in results),
            updated=sum(r.updated for r in results),
            deleted=sum(r.deleted for r in results),
            requests=sum(r.requests for r in results),
        )

    # -- shutting down --------------------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask running syncs to stop after the page in hand (safe from a signal handler's callback)."""
        self._stop.set()

    def resume(self) -> None:
        """Accept work again after a `stop`."""
        self._stop.clear()

    async def stop(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Stop taking work, let running syncs finish their page for up to `grace` seconds, then cancel them; close
        the shops' kept clients."""
        self._stop.set()
        tasks = list(self._tasks.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
                logger.info("syncs cancelled at shutdown", shops=len(pending))
        if self.clients is not None:
            await self.clients.aclose()
