"""What the sync engine raises.

    SyncError                       a sync could not run or did not finish
    ├── SyncAlreadyRunningError     the shop is being synced (here or by another process): the API answers 409
    ├── NoShopConfiguredError       the family has no shop to sync from: the API answers 503
    ├── LeaseLostError              another process took the shop over (our lease expired): stop writing
    └── ScanError                   the shop's answers do not add up; retried by the next cycle
        ├── InconsistentPageError   a page outside the requested window or out of order
        └── IncompleteScanError     a second holding many orders could not be listed consistently

The two the API maps are also `lumina.errors` classes, so its handlers render them with the right status.
"""

from __future__ import annotations

from lumina.errors import ConflictError, ServiceUnavailableError


class SyncError(Exception):
    """Base of the engine's own errors."""


class SyncAlreadyRunningError(SyncError, ConflictError):
    def __init__(self, message: str = "A sync of this shop is already running.") -> None:
        ConflictError.__init__(self, message)


class NoShopConfiguredError(SyncError, ServiceUnavailableError):
    def __init__(
        self,
        message: str = "WooCommerce is not configured: set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET, "
        "or link the family to a shop.",
    ) -> None:
        ServiceUnavailableError.__init__(self, message)


class LeaseLostError(SyncError):
    """The shop's lease expired and another process holds it now; nothing more may be written."""


class ScanError(SyncError):
    """The shop's listings contradict each other; the cursor stays where it was and the next cycle retries."""


class InconsistentPageError(ScanError):
    pass


class IncompleteScanError(ScanError):
    pass
