"""What the API and the embedded scheduler ask of the service's sync engine, wherever its runs happen: a
`SyncCoordinator` on the requests' loop (tests), on a thread of its own (`lumina.jobs.sync_thread`) or in a child
process (`lumina.jobs.sync_process`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lumina.models import SyncTrigger
from lumina.sync import SyncResult
from lumina.sync.service import DEFAULT_STOP_GRACE


class SyncEngine(Protocol):
    @property
    def stopping(self) -> bool: ...

    @property
    def last_result(self) -> SyncResult | None:
        """The newest run result this engine returned (the scheduler's status shows it)."""

    def is_syncing(self, shop_id: int | None = None) -> bool: ...

    async def sync_family(
        self, family_id: int, *, trigger: SyncTrigger, days_back: int | None = None
    ) -> SyncResult: ...

    async def sync_all(self, *, trigger: SyncTrigger, shop_ids: Sequence[int] | None = None) -> list[SyncResult]: ...

    async def stop(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Stop taking work; running syncs finish the page in hand (cancelled after `grace`)."""

    def resume(self) -> None:
        """Take work again after a `stop` (the scheduler stops a cycle, not the engine)."""
