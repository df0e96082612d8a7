"""Request counters by kind, for tests and benchmarks ("how many pages did the sync fetch?")."""

from __future__ import annotations

import threading
from collections import Counter

KINDS: tuple[str, ...] = (
    "list_orders",
    "get_order",
    "put_order",
    "delete_order",
    "options_orders",
    "post_order",
    "index",
    "webhooks",
    "other",
    "control",
)


class RequestCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    def snapshot(self) -> dict[str, int]:
        """Every kind (zero included) and "total": all requests except those to the control API."""
        with self._lock:
            counts = {kind: self._counts.get(kind, 0) for kind in KINDS}
            for kind, value in self._counts.items():
                counts.setdefault(kind, value)
        counts["total"] = sum(v for k, v in counts.items() if k != "control")
        return counts

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
