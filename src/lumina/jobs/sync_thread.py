"""The service process's sync engine on its own thread and event loop, with its own database engine.

The requests' loop keeps only the answering: a backfill's pages are decoded, parsed and written on the other loop,
which gives way to requests being answered before each of its iterations (`lumina.kit.foreground`: the thread
parks, the interpreter free; a request waits at most for the one step in hand). The API asks the engine through
`ThreadedSync`, which runs each call there and awaits its result here; what the engine announces (live events,
changed families) reaches this loop through `lumina.kit.loop_thread`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from lumina.context import ServiceContext
from lumina.jobs.scheduler import Scheduler
from lumina.kit.foreground import FOREGROUND
from lumina.kit.loop_thread import LoopThread
from lumina.models import SyncTrigger
from lumina.sync import SyncCoordinator, SyncResult
from lumina.sync.service import DEFAULT_STOP_GRACE

# How long a thread may hold the interpreter while another waits for it (Python's default is 5 ms): a request's
# every hop (to the database's thread and back) waits up to this long behind the sync's threads.
SWITCH_INTERVAL = 0.0005

# What runs on the thread: the coordinator, and in embedded mode the scheduler that drives it.
Parts = tuple[SyncCoordinator, Scheduler | None]


class ThreadedSync:
    """A coordinator (and the scheduler that drives it) living on a thread and loop of their own, asked from the
    requests' loop. Its queries read plain attributes (safe from another thread); its work runs there."""

    def __init__(
        self, thread: LoopThread, context: ServiceContext, coordinator: SyncCoordinator, scheduler: Scheduler | None
    ) -> None:
        self.thread = thread
        self.context = context
        self.coordinator = coordinator
        self.scheduler = scheduler

    @classmethod
    async def start(cls, context: ServiceContext, make: Callable[[ServiceContext], Parts]) -> ThreadedSync:
        """Start the thread and `make` the coordinator (and scheduler) there, on a context with its own database
        engine; the scheduler is not started."""
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        thread = LoopThread("lumina-sync", between_steps=FOREGROUND.give_way)
        await thread.start()
        own = context.with_own_database()
        coordinator, scheduler = await thread.run(_made(make, own))
        return cls(thread, own, coordinator, scheduler)

    async def start_scheduler(self) -> None:
        if self.scheduler is not None:
            await self.thread.run(self.scheduler.start())

    @property
    def stopping(self) -> bool:
        return self.coordinator.stopping

    @property
    def last_result(self) -> SyncResult | None:
        return self.coordinator.last_result

    def is_syncing(self, shop_id: int | None = None) -> bool:
        return self.coordinator.is_syncing(shop_id)

    async def sync_family(self, family_id: int, *, trigger: SyncTrigger, days_back: int | None = None) -> SyncResult:
        return await self.thread.run(self.coordinator.sync_family(family_id, trigger=trigger, days_back=days_back))

    async def sync_all(self, *, trigger: SyncTrigger, shop_ids: Sequence[int] | None = None) -> list[SyncResult]:
        return await self.thread.run(self.coordinator.sync_all(trigger=trigger, shop_ids=shop_ids))

    async def stop(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Stop taking work; running syncs finish the page in hand (cancelled after `grace`)."""
        await self.thread.run(self.coordinator.stop(grace))

    def resume(self) -> None:
        self.coordinator.resume()  # clears a flag nothing waits on: safe from this thread

    async def close(self) -> None:
        """Stop the scheduler and the syncs (as `stop`), then the thread; its database engine is disposed of."""
        if self.scheduler is not None:
            await self.thread.run(self.scheduler.stop())
        await self.stop()
        await self.thread.close(last=self.context.close)


async def _made(make: Callable[[ServiceContext], Parts], context: ServiceContext) -> Parts:
    return make(context)  # on the loop the parts will run on
