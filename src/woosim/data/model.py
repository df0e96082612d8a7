"""How an order is held: a small indexed row, plus its full document once it exists.

Generated orders start as rows only (id, status, dates, customer); the document (addresses, items, taxes...) is
regenerated deterministically on demand and becomes permanent the first time the order changes. That keeps a
shop of a few hundred thousand orders small and quick to build.
"""

from __future__ import annotations

from typing import Any

STATUSES: tuple[str, ...] = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "trash",
    "auto-draft",
)
# `status=any`: every status but trash and auto-draft (WP_Query leaves out statuses hidden from search).
ANY_STATUSES: tuple[str, ...] = STATUSES[:8]
# What a write may set: every status but trash (the order schema's `status` enum).
EDIT_STATUSES = frozenset(STATUSES) - {"trash"}
PAID_STATUSES = frozenset({"processing", "completed"})

# Flags of generated rows (bulk decisions the lazy document generator must respect).
LATE_EDIT = 1  # modified weeks after completion (tracking number added later)
BACKDATED = 2  # created by an admin with an old date, so a high id with an early date
PARTIAL_REFUND = 4

Doc = dict[str, Any]


class OrderRow:
    """The indexed part of an order; `doc` is None until the order is first materialised."""

    __slots__ = ("created", "customer_id", "doc", "flags", "id", "modified", "orig_status", "refund_id", "status")

    def __init__(
        self,
        order_id: int,
        status: str,
        created: int,
        modified: int,
        customer_id: int,
        *,
        doc: Doc | None = None,
        flags: int = 0,
        refund_id: int = 0,
        orig_status: str = "",
    ) -> None:
        self.id = order_id
        self.status = status
        self.created = created
        self.modified = modified
        self.customer_id = customer_id
        self.doc = doc
        self.flags = flags
        self.refund_id = refund_id
        self.orig_status = orig_status or status


def key(epoch: int, order_id: int) -> int:
    """One sortable int for (time, id): ties on the second break by id, as the shop orders them."""
    return (epoch << 32) | order_id


def key_id(k: int) -> int:
    return k & 0xFFFFFFFF
