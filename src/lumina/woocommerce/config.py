"""Tuning knobs: how hard the client may push a shop, and how patiently it retries."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["ClientLimits", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """Politeness per shop: shared hosting tolerates a few requests per second and can be slow."""

    max_concurrency: int = 4
    requests_per_second: float | None = 5.0  # None: no rate limit
    timeout: float = 30.0  # seconds per request; a page of 100 full orders can take seconds
    connect_timeout: float = 15.0

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive (or None for no limit)")
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("timeouts must be positive")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient faults; `Retry-After` is honoured up to a cap."""

    attempts: int = 5  # tries in all, the first included
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays cannot be negative")

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        backoff = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
        if retry_after is None:
            return backoff
        return max(backoff, min(retry_after, self.max_retry_after))
