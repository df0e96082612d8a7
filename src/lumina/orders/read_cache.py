"""The orders API's read cache: answers kept as the JSON bytes they were sent as, per family, for a second or two.

Staleness is bounded two ways. Every entry expires `ORDERS_CACHE_SECONDS` after the read that filled it began,
which bounds how late a write by another process (another API worker, `lumina sync`, a scaled-out job runner)
shows. Writes made in this process announce the families they changed (`lumina.kit.changes`) once committed, and
those families' entries are dropped at once. A read that raced such an announcement is answered but not kept:
each family has a generation, and an entry is stored only if its family's generation did not move while it was
read.

Concurrent misses of one key share one database read, so an expiring entry under load costs one query, not one
per waiting request. The size is bounded in bytes, least recently used first out.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.kit.changes import on_family_data_changed

COMPONENT = "orders.read_cache"
_ENTRY_OVERHEAD = 200  # bytes an entry costs besides its body: key, tuple, dict slot


@dataclass(frozen=True, slots=True)
class CacheKey:
    family_id: int
    endpoint: str
    query: Hashable = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    expires_at: float
    generation: int


class OrderReadCache:
    def __init__(
        self, *, ttl: float, max_bytes: int, clock: Callable[[], float] = time.monotonic, listen: bool = True
    ) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._bytes = 0
        self._generations: dict[int, int] = {}
        self._epoch = 0  # moves when every family's data may have changed
        self._loading: dict[CacheKey, asyncio.Task[bytes]] = {}
        self.hits = self.misses = 0
        if listen:
            on_family_data_changed(self.families_changed)

    @classmethod
    def from_settings(cls, settings: Settings) -> OrderReadCache:
        return cls(ttl=settings.orders_cache_seconds, max_bytes=int(settings.orders_cache_max_mb * 2**20))

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def fetch(self, key: CacheKey, load: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached answer for `key`, or `load()`'s, kept for the next callers. Errors are never kept."""
        if not self.enabled:
            return await load()
        entry = self._entries.get(key)
        if entry is not None:
            if entry.expires_at > self._clock() and entry.generation == self._generation(key.family_id):
                self._entries.move_to_end(key)
                self.hits += 1
                return entry.body
            self._drop(key)
        self.misses += 1
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load))
            self._loading[key] = task
            task.add_done_callback(lambda done: self._loaded(key, done))
        # Shielded: a caller that goes away does not cancel the read the others wait for.
        return await asyncio.shield(task)

    def families_changed(self, family_ids: frozenset[int] | None) -> None:
        """Drop what is held for these families (all when None); reads in flight for them are not kept."""
        if family_ids is None:
            self._epoch += 1
            self._entries.clear()
            self._bytes = 0
            self._loading.clear()
            return
        for family_id in family_ids:
            self._generations[family_id] = self._generations.get(family_id, 0) + 1
        stale = [key for key in self._loading if key.family_id in family_ids]
        for key in stale:  # later callers start a fresh read; current waiters get the one in flight
            del self._loading[key]

    def _loaded(self, key: CacheKey, task: asyncio.Task[bytes]) -> None:
        if self._loading.get(key) is task:
            del self._loading[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every caller went away before it ended

    def _generation(self, family_id: int) -> int:
        return self._epoch + self._generations.get(family_id, 0)

    async def _load(self, key: CacheKey, load: Callable[[], Awaitable[bytes]]) -> bytes:
        generation, started = self._generation(key.family_id), self._clock()
        body = await load()
        if generation == self._generation(key.family_id):
            self._store(key, _Entry(body, started + self.ttl, generation))
        return body

    def _store(self, key: CacheKey, entry: _Entry) -> None:
        self._drop(key)
        cost = len(entry.body) + _ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        while self._entries and self._bytes + cost > self.max_bytes:
            self._drop(next(iter(self._entries)))
        self._entries[key] = entry
        self._bytes += cost

    def _drop(self, key: CacheKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body) + _ENTRY_OVERHEAD


def read_cache_of(context: ServiceContext) -> OrderReadCache:
    """The service's read cache, made on first use from the settings."""
    cache: OrderReadCache | None = context.components.get(COMPONENT)
    if cache is None:
        cache = OrderReadCache.from_settings(context.settings)
        context.components[COMPONENT] = cache
    return cache
