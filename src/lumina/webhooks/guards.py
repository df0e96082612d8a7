"""The receiver's two memories: deliveries already taken (duplicates) and each shop's recent rate."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]


class RecentDeliveries:
    """Delivery keys seen in the last `ttl` seconds (at most `capacity`, the oldest forgotten first).

    WooCommerce's `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the current second, not unique: two
    orders changed in one second share it. So the key is that id together with the body's digest; a replay of
    the same bytes is a duplicate, another order in the same second is not.
    """

    def __init__(self, *, ttl: float = 3600.0, capacity: int = 100_000, clock: Clock = time.monotonic) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered within the window (and remembers it)."""
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.ttl and len(self._seen) < self.capacity:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class ShopRateLimit:
    """A token bucket per shop: `per_minute` deliveries a minute, in bursts of up to a minute's worth."""

    def __init__(self, per_minute: int, *, clock: Clock = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, shop_id: int) -> float:
        """0 when the delivery may go ahead, otherwise the seconds until the next one may."""
        now = self._clock()
        tokens, at = self._buckets.get(shop_id, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[shop_id] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[shop_id] = (tokens - 1.0, now)
        return 0.0
