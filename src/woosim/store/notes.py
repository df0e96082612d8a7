"""Order notes: the status-change history an order starts with, and the notes added while the shop runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from woosim.data.catalog import OFFLINE_PAYMENT, STATUS_LABELS
from woosim.data.model import Doc, OrderRow


@dataclass
class Note:
    id: int
    order_id: int
    created: int
    note: str
    customer_note: bool = False
    author: str = "WooCommerce"


def status_note(old: str, new: str) -> str:
    return f"Order status changed from {STATUS_LABELS.get(old, old)} to {STATUS_LABELS.get(new, new)}."


class NoteBook:
    """Notes of orders that existed when the shop was made are derived from their history (ids order*4+k);
    notes written later get ids from a counter above all of those."""

    def __init__(self, first_new_id: int, lock: threading.RLock) -> None:
        self._lock = lock
        self._initial_limit = first_new_id
        self._next = first_new_id * 4
        self._added: dict[int, list[Note]] = {}

    def add(
        self, order_id: int, text: str, now: int, *, customer_note: bool = False, author: str = "WooCommerce"
    ) -> Note:
        with self._lock:
            note = Note(self._next, order_id, now, text, customer_note, author)
            self._next += 1
            self._added.setdefault(order_id, []).append(note)
            return note

    def for_order(self, row: OrderRow, doc_of: Callable[[OrderRow], Doc]) -> list[Note]:
        """Newest first, as the API lists them."""
        with self._lock:
            notes = list(self._added.get(row.id, []))
            if row.id < self._initial_limit:
                notes.extend(_history(row, doc_of(row)))
        notes.sort(key=lambda n: (n.created, n.id), reverse=True)
        return notes

    def forget_order(self, order_id: int) -> None:
        with self._lock:
            self._added.pop(order_id, None)


def _history(row: OrderRow, doc: Doc) -> list[Note]:
    status = row.orig_status
    base = row.id * 4
    paid, completed = doc["paid"], doc["completed"]
    notes: list[Note] = []
    offline = doc["payment_method"] in OFFLINE_PAYMENT
    first = "on-hold" if offline else "processing"
    if status in ("processing", "on-hold", "completed", "refunded"):
        step = "on-hold" if status == "on-hold" else first
        # Offline payments go on hold at checkout; online ones move to processing when paid.
        when = row.created if step == "on-hold" else (paid or row.created)
        notes.append(Note(base, row.id, when, status_note("pending", step)))
        if status in ("completed", "refunded") and completed is not None:
            notes.append(Note(base + 1, row.id, completed + 1, status_note(step, "completed")))
        if status == "refunded":
            notes.append(Note(base + 2, row.id, row.modified, status_note("completed", "refunded")))
    elif status in ("cancelled", "failed"):
        notes.append(Note(base, row.id, row.modified, status_note("pending", status)))
    return notes


def render_note(note: Note, rest_root: str, local: Callable[[int], str], gmt: Callable[[int], str]) -> dict[str, Any]:
    base = f"{rest_root}/wc/v3/orders/{note.order_id}"
    return {
        "id": note.id,
        "author": note.author,
        "date_created": local(note.created),
        "date_created_gmt": gmt(note.created),
        "note": note.note,
        "customer_note": note.customer_note,
        "_links": {
            "self": [{"href": f"{base}/notes/{note.id}", "targetHints": {"allow": ["GET", "DELETE"]}}],
            "collection": [{"href": f"{base}/notes"}],
            "up": [{"href": base}],
        },
    }
