"""The embedded mode's scheduler: a sync cycle of every shop at start-up and every SYNC_INTERVAL minutes, and the
daily retention job, inside the API process.

It only decides *when*; the coordinator does the work and keeps shops exclusive (also against other processes),
so several API processes each running a scheduler are safe, just redundant. A scaled-out deployment turns the
scheduler off (SYNC_RUNNER=queue): `lumina worker` processes run the same coordinator calls from the task queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lumina.db import Database
from lumina.errors import ServiceUnavailableError
from lumina.jobs.daily import DailyJob, run_daily
from lumina.jobs.engine import SyncEngine
from lumina.logging import get_logger
from lumina.models import SyncTrigger
from lumina.sync import SyncResult
from lumina.sync.service import DEFAULT_STOP_GRACE

logger = get_logger("lumina.jobs")

RETENTION_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SchedulerStatus:
    running: bool  # the scheduler is started
    syncing: bool  # a sync is running in this process
    interval_minutes: int
    next_run_at: datetime | None
    last_run: SyncResult | None  # the newest result of this process
    cycle_running: bool = False
    last_cycle_at: datetime | None = None
    last_retention_at: datetime | None = None


class Scheduler:
    """Runs sync cycles on a timer; start, stop, status and a manual trigger."""

    def __init__(
        self,
        coordinator: SyncEngine,
        database: Database,
        *,
        interval: timedelta,
        run_at_start: bool = True,
        retention_days: int = 0,
        retention_every: timedelta = RETENTION_EVERY,
        housekeeping: Sequence[DailyJob] = (),
        after_cycle: Sequence[Callable[[], Awaitable[object]]] = (),
        stop_grace: float = DEFAULT_STOP_GRACE,
    ) -> None:
        self.coordinator = coordinator
        self.database = database
        self.interval = interval
        self.run_at_start = run_at_start
        self.retention_days = retention_days
        self.retention_every = retention_every
        self.housekeeping = tuple(housekeeping)
        self.after_cycle = tuple(after_cycle)
        self.stop_grace = stop_grace
        self.next_run_at: datetime | None = None
        self.last_cycle_at: datetime | None = None
        self.last_retention_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._triggered = False
        self._cycle_running = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def status(self) -> SchedulerStatus:
        return SchedulerStatus(
            running=self.running,
            syncing=self.coordinator.is_syncing(),
            interval_minutes=max(1, round(self.interval.total_seconds() / 60)),
            next_run_at=self.next_run_at if self.running else None,
            last_run=self.coordinator.last_result,
            cycle_running=self._cycle_running,
            last_cycle_at=self.last_cycle_at,
            last_retention_at=self.last_retention_at,
        )

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._wake.clear()
        now = datetime.now(UTC)
        self.next_run_at = now if self.run_at_start else now + self.interval
        self._task = asyncio.create_task(self._loop(), name="lumina.scheduler")
        logger.info(
            "scheduler started",
            interval_minutes=self.interval.total_seconds() / 60,
            next_run_at=self.next_run_at.isoformat(),
        )

    async def stop(self) -> None:
        """Stop scheduling; a cycle in progress stops after its pages in hand (cancelled after the grace)."""
        task = self._task
        if task is None:
            return
        self._stopping.set()
        self._wake.set()
        if self._cycle_running:
            await self.coordinator.stop(self.stop_grace)
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=self.stop_grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self.coordinator.resume()
            self._task = None
            self.next_run_at = None
        logger.info("scheduler stopped")

    async def trigger_now(self) -> None:
        """Run a cycle as soon as possible (right after the current one, if one is running)."""
        self._triggered = True
        self._wake.set()

    async def _loop(self) -> None:
        first = True
        while not self._stopping.is_set():
            await self._sleep_until_due()
            if self._stopping.is_set():
                break
            if self._triggered:
                trigger = SyncTrigger.MANUAL
            elif first and self.run_at_start:
                trigger = SyncTrigger.STARTUP
            else:
                trigger = SyncTrigger.SCHEDULE
            first = False
            self._triggered = False
            await self._cycle(trigger)
            if self._stopping.is_set():
                break
            await self._retention_if_due()
            self.next_run_at = datetime.now(UTC) + self.interval

    async def _sleep_until_due(self) -> None:
        while not self._stopping.is_set() and not self._triggered:
            due = self.next_run_at or datetime.now(UTC)
            wait = (due - datetime.now(UTC)).total_seconds()
            if wait <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _cycle(self, trigger: SyncTrigger) -> None:
        self._cycle_running = True
        try:
            await self.coordinator.sync_all(trigger=trigger)
            for job in self.after_cycle:  # the webhooks' check
                await job()
        except ServiceUnavailableError as exc:  # the sync process ended: its supervisor has logged why
            logger.warning("sync cycle interrupted", trigger=trigger.value, error=exc.message)
        except Exception:
            logger.exception("sync cycle failed", trigger=trigger.value)
        finally:
            self._cycle_running = False
            self.last_cycle_at = datetime.now(UTC)

    async def _retention_if_due(self) -> None:
        now = datetime.now(UTC)
        if self.last_retention_at is not None and now - self.last_retention_at < self.retention_every:
            return
        await run_daily(self.database, self.retention_days, self.housekeeping, now)
        self.last_retention_at = now
