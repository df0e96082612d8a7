"""The shop's clock: wall time plus an offset, or frozen. Everything the shop dates comes from here."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class ShopClock:
    """Thread-safe. `now()` is timezone-aware UTC; `epoch()` is the current whole second."""

    def __init__(self, offset: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._offset = offset
        self._frozen: float | None = None

    def time(self) -> float:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def epoch(self) -> int:
        return int(self.time())

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative value), frozen or not."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds
        return self.now()

    def freeze(self, at: datetime | float | None = None) -> datetime:
        """Stop the clock at `at` (an aware datetime or epoch seconds), or where it is now."""
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise ValueError("freeze() needs a timezone-aware datetime")
            value = at.timestamp()
        elif at is None:
            value = self.time()
        else:
            value = float(at)
        with self._lock:
            self._frozen = value
        return self.now()

    def unfreeze(self) -> datetime:
        """Let the clock run again from where it stands."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - time.time()
                self._frozen = None
        return self.now()

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None
