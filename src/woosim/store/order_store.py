"""All orders of the shop, their indexes, their lazily generated documents, and the listing query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import count

from woosim.data.generate import GenParams, generate_doc
from woosim.data.model import Doc, OrderRow, key_id
from woosim.data.orderdoc import IdSource
from woosim.store.index import StatusIndex

_DOC_CACHE_SIZE = 4096


@dataclass
class OrderQuery:
    """A listing request reduced to what selects and orders rows (bounds are exclusive epoch seconds)."""

    statuses: tuple[str, ...]
    orderby: str = "date"
    descending: bool = True
    after: int | None = None
    before: int | None = None
    modified_after: int | None = None
    modified_before: int | None = None
    include: list[int] | None = None
    exclude: frozenset[int] = frozenset()
    customer: int | None = None
    predicate: Callable[[OrderRow], bool] | None = None
    offset: int = 0
    limit: int = 10


class OrderStore:
    """Thread-safe: every public method holds the shop lock (an RLock shared with the rest of the shop)."""

    def __init__(self, rows: Iterable[OrderRow], lock: threading.RLock, gen: GenParams | None) -> None:
        self.lock = lock
        self.gen = gen
        self.rows: dict[int, OrderRow] = {row.id: row for row in rows}
        self.index = StatusIndex()
        self.index.build(self.rows.values())
        self._docs: OrderedDict[int, Doc] = OrderedDict()
        self.next_id = max(self.rows, default=0) + 1
        self.item_ids = count(1)
        self.meta_ids = count(1)
        self.item_meta_ids = count(1)

    def set_counters(self, next_id: int, item: int, meta: int, item_meta: int) -> None:
        self.next_id = next_id
        self.item_ids = count(item)
        self.meta_ids = count(meta)
        self.item_meta_ids = count(item_meta)

    def ids_for_new_order(self) -> IdSource:
        return IdSource(lambda: next(self.item_ids), lambda: next(self.meta_ids), lambda: next(self.item_meta_ids))

    def allocate_id(self) -> int:
        with self.lock:
            value = self.next_id
            self.next_id += 1
            return value

    # -- documents ---------------------------------------------------------------------------------------
    def doc(self, row: OrderRow) -> Doc:
        """The order's document; generated (and cached) for an order that never changed."""
        if row.doc is not None:
            return row.doc
        with self.lock:
            cached = self._docs.get(row.id)
            if cached is not None:
                self._docs.move_to_end(row.id)
                return cached
            assert self.gen is not None
            doc = generate_doc(self.gen, row)
            self._docs[row.id] = doc
            if len(self._docs) > _DOC_CACHE_SIZE:
                self._docs.popitem(last=False)
            return doc

    def materialize(self, row: OrderRow) -> Doc:
        """Make the document permanent before a change (regenerating it later would undo the change)."""
        with self.lock:
            if row.doc is None:
                row.doc = self.doc(row)
                self._docs.pop(row.id, None)
            return row.doc

    def materialize_all(self) -> None:
        """Generate every document now, as a real shop holds its orders before it is asked for them: serving
        then costs rendering only (a benchmark's shop then leaves the machine's cores to the client)."""
        for row in list(self.rows.values()):
            self.materialize(row)

    # -- rows --------------------------------------------------------------------------------------------
    def get(self, order_id: int) -> OrderRow | None:
        return self.rows.get(order_id)

    def add(self, row: OrderRow) -> None:
        with self.lock:
            self.rows[row.id] = row
            self.index.add(row)
            self.next_id = max(self.next_id, row.id + 1)

    def remove(self, row: OrderRow) -> None:
        with self.lock:
            self.index.remove(row)
            del self.rows[row.id]
            self._docs.pop(row.id, None)

    def update_row(self, row: OrderRow, *, status: str | None = None, modified: int | None = None) -> None:
        """Change the indexed fields of a row, keeping the indexes sorted."""
        with self.lock:
            self.index.remove(row)
            if status is not None:
                row.status = status
            if modified is not None:
                row.modified = modified
            self.index.add(row)

    # -- listing -----------------------------------------------------------------------------------------
    def query(self, q: OrderQuery) -> tuple[int, list[OrderRow]]:
        """(number of matching orders, the rows of the requested page)."""
        with self.lock:
            fast_key = self._fast_key(q)
            if fast_key is not None:
                return self._fast(q, fast_key)
            return self._slow(q)

    def _fast_key(self, q: OrderQuery) -> str | None:
        if q.include is not None or q.exclude or q.customer is not None or q.predicate is not None:
            return None
        has_created = q.after is not None or q.before is not None
        has_modified = q.modified_after is not None or q.modified_before is not None
        if q.orderby == "date" and not has_modified:
            return "created"
        if q.orderby == "modified" and not has_created:
            return "modified"
        if q.orderby in ("id", "title", "slug") and not has_created and not has_modified:
            return "id"
        return None

    def _fast(self, q: OrderQuery, sort_key: str) -> tuple[int, list[OrderRow]]:
        if sort_key == "created":
            window = self.index.window("created", q.statuses, q.after, q.before)
        elif sort_key == "modified":
            window = self.index.window("modified", q.statuses, q.modified_after, q.modified_before)
        else:
            window = self.index.window("id", q.statuses, None, None)
        total = window.total
        if q.descending:
            keys = window.ranks(total - q.offset - q.limit, total - q.offset)
            keys.reverse()
        else:
            keys = window.ranks(q.offset, q.offset + q.limit)
        if sort_key == "id":
            return total, [self.rows[k] for k in keys]
        return total, [self.rows[key_id(k)] for k in keys]

    def _slow(self, q: OrderQuery) -> tuple[int, list[OrderRow]]:
        statuses = set(q.statuses)
        if q.include is not None:
            candidates = [self.rows[i] for i in dict.fromkeys(q.include) if i in self.rows]
            candidates = [r for r in candidates if r.status in statuses]
        elif q.after is not None or q.before is not None:
            window = self.index.window("created", q.statuses, q.after, q.before)
            candidates = [self.rows[key_id(k)] for k in window]
        elif q.modified_after is not None or q.modified_before is not None:
            window = self.index.window("modified", q.statuses, q.modified_after, q.modified_before)
            candidates = [self.rows[key_id(k)] for k in window]
        else:
            candidates = [self.rows[i] for i in self.index.window("id", q.statuses, None, None)]
        matches = [row for row in candidates if _matches(row, q)]
        if q.orderby == "include" and q.include is not None:
            position = {order_id: n for n, order_id in enumerate(q.include)}
            matches.sort(key=lambda r: position.get(r.id, 0))
        else:
            sort = _SORTS.get(q.orderby, _SORTS["id"])
            matches.sort(key=sort, reverse=q.descending)
        return len(matches), matches[q.offset : q.offset + q.limit]


_SORTS: dict[str, Callable[[OrderRow], tuple[int, int] | int]] = {
    "date": lambda r: (r.created, r.id),
    "modified": lambda r: (r.modified, r.id),
    "id": lambda r: r.id,
}


def _matches(row: OrderRow, q: OrderQuery) -> bool:
    if q.after is not None and not row.created > q.after:
        return False
    if q.before is not None and not row.created < q.before:
        return False
    if q.modified_after is not None and not row.modified > q.modified_after:
        return False
    if q.modified_before is not None and not row.modified < q.modified_before:
        return False
    if row.id in q.exclude:
        return False
    if q.customer is not None and row.customer_id != q.customer:
        return False
    return q.predicate is None or q.predicate(row)
