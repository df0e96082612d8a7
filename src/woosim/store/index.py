"""Sorted indexes of orders per status, and page selection over them without scanning.

Each status keeps three sorted int lists: (created, id) keys, (modified, id) keys and ids. A page of a query
restricted to some statuses and one date range on its sort key is found by binary search: the total is a sum
of bisects, and the first row of the page is the smallest key whose running count reaches the offset.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator
from itertools import islice

from woosim.data.model import STATUSES, OrderRow, key

_MAX_ID = 0xFFFFFFFF
SORT_KEYS = ("created", "modified", "id")


class StatusIndex:
    def __init__(self) -> None:
        self.lists: dict[str, dict[str, list[int]]] = {name: {s: [] for s in STATUSES} for name in SORT_KEYS}

    def build(self, rows: Iterable[OrderRow]) -> None:
        for name in SORT_KEYS:
            for lst in self.lists[name].values():
                lst.clear()
        for row in rows:
            self._append(row)
        for name in SORT_KEYS:
            for lst in self.lists[name].values():
                lst.sort()

    def _append(self, row: OrderRow) -> None:
        self.lists["created"][row.status].append(key(row.created, row.id))
        self.lists["modified"][row.status].append(key(row.modified, row.id))
        self.lists["id"][row.status].append(row.id)

    def add(self, row: OrderRow) -> None:
        insort(self.lists["created"][row.status], key(row.created, row.id))
        insort(self.lists["modified"][row.status], key(row.modified, row.id))
        insort(self.lists["id"][row.status], row.id)

    def remove(self, row: OrderRow) -> None:
        for name, value in (
            ("created", key(row.created, row.id)),
            ("modified", key(row.modified, row.id)),
            ("id", row.id),
        ):
            lst = self.lists[name][row.status]
            pos = bisect_left(lst, value)
            if pos < len(lst) and lst[pos] == value:
                del lst[pos]

    def window(self, sort_key: str, statuses: Iterable[str], after: int | None, before: int | None) -> Window:
        """The keys of `statuses` strictly between the two epoch bounds (on created or modified)."""
        lo = key(after, _MAX_ID) if after is not None else None
        hi = key(before, 0) if before is not None else None
        parts: list[tuple[list[int], int, int]] = []
        for status in statuses:
            lst = self.lists[sort_key][status]
            start = bisect_right(lst, lo) if lo is not None else 0
            end = bisect_left(lst, hi) if hi is not None else len(lst)
            if end > start:
                parts.append((lst, start, end))
        return Window(parts)


class Window:
    """Several sorted slices seen as one sorted sequence."""

    def __init__(self, parts: list[tuple[list[int], int, int]]) -> None:
        self.parts = parts
        self.total = sum(end - start for _lst, start, end in parts)

    def ranks(self, first: int, stop: int) -> list[int]:
        """The keys at ascending positions [first, stop) of the merged sequence."""
        first = max(first, 0)
        stop = min(stop, self.total)
        if stop <= first:
            return []
        if len(self.parts) == 1:
            lst, start, _end = self.parts[0]
            return lst[start + first : start + stop]
        pivot = self._kth(first)
        streams = []
        for lst, start, end in self.parts:
            pos = bisect_left(lst, pivot, start, end)
            streams.append(islice(lst, pos, end))
        return list(islice(heapq.merge(*streams), stop - first))

    def _kth(self, k: int) -> int:
        """The smallest key with at least k+1 keys <= it."""
        lo = min(lst[start] for lst, start, _end in self.parts)
        hi = max(lst[end - 1] for lst, _start, end in self.parts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._count_upto(mid) >= k + 1:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _count_upto(self, value: int) -> int:
        return sum(bisect_right(lst, value, start, end) - start for lst, start, end in self.parts)

    def __iter__(self) -> Iterator[int]:
        return heapq.merge(*(islice(lst, start, end) for lst, start, end in self.parts))
