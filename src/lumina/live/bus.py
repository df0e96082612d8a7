"""This process's fan-out of live events to the open streams, per family."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Events a slow stream may fall behind by before it is told to reload instead of being sent each one.
QUEUE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class LiveEvent:
    family_id: int
    kind: str  # "order", "orders" (too many to list: reload), "progress" (a sync's pages so far) or "sync" (it ended)
    data: dict[str, Any]


@dataclass(eq=False)
class Subscription:
    """One open stream of one family. `overflowed` is set when events were dropped because it fell behind."""

    family_id: int
    queue: asyncio.Queue[LiveEvent] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False

    def offer(self, event: LiveEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


class EventBus:
    """Delivers each event only to the subscriptions of the event's own family."""

    def __init__(self) -> None:
        self._subscriptions: dict[int, set[Subscription]] = {}
        self._taps: list[Callable[[Sequence[LiveEvent]], None]] = []

    def tap(self, listener: Callable[[Sequence[LiveEvent]], None]) -> None:
        """Also hand every published batch, whatever its families, to `listener` (a sync process passes them on
        to the service that streams them)."""
        self._taps.append(listener)

    def subscribe(self, family_id: int) -> Subscription:
        subscription = Subscription(family_id)
        self._subscriptions.setdefault(family_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        held = self._subscriptions.get(subscription.family_id)
        if held is not None:
            held.discard(subscription)
            if not held:
                del self._subscriptions[subscription.family_id]

    def publish(self, events: Iterable[LiveEvent]) -> None:
        """Called on the event loop's thread (a commit hook, the PostgreSQL listener)."""
        events = tuple(events)
        for listener in self._taps:
            listener(events)
        for event in events:
            for subscription in tuple(self._subscriptions.get(event.family_id, ())):
                subscription.offer(event)

    def subscribers(self, family_id: int) -> int:
        return len(self._subscriptions.get(family_id, ()))


BUS = EventBus()
