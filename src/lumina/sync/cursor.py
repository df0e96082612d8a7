"""Where a scan stands, in terms that survive a crash: positions, time slices, and the shop's clock.

WooCommerce's date filters are exclusive and its modification times have one-second precision, so a position is
not a bare time but a second plus the order ids already taken at that second: the next request asks for
`modified_after = second - 1 s` (everything from that second on) and drops those ids.

A second may only be marked done once the shop's own clock has passed it: an order can change twice within one
second, and a position that took its first version at the current second would drop the second one. `ShopClock`
keeps the newest second the shop has certainly left behind, from the `Date` header of each answer.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ONE_SECOND = timedelta(seconds=1)
# Seconds the shop's `Date` header may run ahead of the clock that stamps orders (a CDN answering, NTP steps).
CLOCK_SKEW_MARGIN = timedelta(seconds=1)
# Without any `Date` header, the local clock stands in, with a wide margin.
NO_DATE_HEADER_MARGIN = timedelta(minutes=2)


def whole_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Position:
    """Every order version modified before `second` is mirrored, and so are the orders `taken` at `second`."""

    second: datetime
    taken: frozenset[int] = frozenset()

    @classmethod
    def at(cls, moment: datetime, taken: frozenset[int] = frozenset()) -> Position:
        return cls(whole_second(moment), taken)

    @property
    def modified_after(self) -> datetime:
        """The exclusive filter value that still includes `second`."""
        return self.second - ONE_SECOND

    def has(self, order_id: int, modified: datetime) -> bool:
        """Whether this version of an order is already covered by the position."""
        return modified < self.second or (modified == self.second and order_id in self.taken)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.second.isoformat(), "ids": sorted(self.taken)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        return cls(datetime.fromisoformat(data["at"]).astimezone(UTC), frozenset(int(i) for i in data.get("ids", ())))


def later(a: Position, b: Position) -> Position:
    """The further of two valid positions; at the same second both sets of ids are taken."""
    if a.second != b.second:
        return a if a.second > b.second else b
    return a if b.taken <= a.taken else Position(a.second, a.taken | b.taken)


@dataclass(slots=True)
class Slice:
    """A range of modification times up to `end` (exclusive) scanned by keyset paging; `end` None is the open
    tail. `position` is what is durably mirrored of it: committed together with the orders it covers."""

    position: Position
    end: datetime | None = None

    @property
    def open(self) -> bool:
        return self.end is None

    @property
    def done(self) -> bool:
        return self.end is not None and self.position.second >= self.end

    def to_json(self) -> dict[str, Any]:
        return {**self.position.to_json(), "end": self.end.isoformat() if self.end else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slice:
        end = data.get("end")
        return cls(Position.from_json(data), datetime.fromisoformat(end).astimezone(UTC) if end else None)


class ShopClock:
    """The newest second the shop has certainly left behind, learnt from its answers.

    A listing reflects the shop's data at some instant between our sending the request and the `Date` header of
    the answer; with the request's duration subtracted, the seconds before that instant are over: no order can
    still be stamped with them.
    """

    def __init__(self, margin: timedelta = CLOCK_SKEW_MARGIN) -> None:
        self.margin = margin
        self.settled: datetime | None = None  # every second up to and including this one is over
        self.latest: datetime | None = None  # the newest shop time seen
        self.origin: datetime | None = None  # a shop time no later than this clock's creation
        self._created = time.monotonic()

    def observe(self, shop_time: datetime | None, duration: float) -> None:
        if shop_time is None:
            shop_time, margin = datetime.now(UTC), NO_DATE_HEADER_MARGIN
        else:
            margin = self.margin
        request_start = whole_second(shop_time) - timedelta(seconds=math.ceil(max(duration, 0.0)))
        settled = request_start - ONE_SECOND - margin
        if self.origin is None:
            self.origin = settled - timedelta(seconds=math.ceil(time.monotonic() - self._created))
        if self.settled is None or settled > self.settled:
            self.settled = settled
        if self.latest is None or shop_time > self.latest:
            self.latest = whole_second(shop_time)

    def is_over(self, second: datetime) -> bool:
        return self.settled is not None and second <= self.settled

    def settle(self, position: Position) -> Position | None:
        """The part of an in-memory position that may be committed: all of it when its second is over,
        otherwise everything before the first second that is not (None when nothing is known yet)."""
        if self.is_over(position.second):
            return position
        if self.settled is None:
            return None
        return Position(min(position.second, self.settled + ONE_SECOND))

    def caught_up(self) -> Position | None:
        """After a listing that held everything from some point on: all seconds that are over are mirrored."""
        return None if self.settled is None else Position(self.settled + ONE_SECOND)
