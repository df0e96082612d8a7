"""The sync engine: mirrors each shop's orders into the families' caches, incrementally and safely under change.

service.SyncCoordinator   the unit of work (API, CLI, scheduler, a future task queue call it)
engine.ShopSync           one run of one shop under its lease: plan, scan, reconcile, record
scanner.Scanner           keyset paging by modification time in parallel slices (stream + paginator)
cursor                    positions and slices that survive a crash; the shop's clock
writer                    batched, idempotent upserts routed to families (never older over newer)
reconcile.Reconciler      cheap periodic listing that catches silent edits and permanent deletes
state.ShopLease           one writer per shop across processes
retention                 removes orders past RETENTION_DAYS, runs past RUN_HISTORY_DAYS
"""

from lumina.sync.engine import SyncOptions, SyncProgress
from lumina.sync.errors import NoShopConfiguredError, SyncAlreadyRunningError, SyncError
from lumina.sync.runs import SyncResult
from lumina.sync.service import SyncCoordinator
from lumina.sync.writer import WriteCounts, write_shop_orders

__all__ = [
    "NoShopConfiguredError",
    "SyncAlreadyRunningError",
    "SyncCoordinator",
    "SyncError",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "WriteCounts",
    "write_shop_orders",
]
