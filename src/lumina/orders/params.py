"""What a caller may ask of the order list: the fixed sort columns, the statuses, the page bounds.

The sort column comes from this allow-list only and is mapped to a column object, never to SQL text.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from sqlalchemy.orm import InstrumentedAttribute

from lumina.models import CachedOrder

OrderStatus = Literal["pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"]
ORDER_STATUSES: Final[tuple[str, ...]] = get_args(OrderStatus)

OrderByColumn = Literal[
    "date_created", "date_modified", "total", "status", "customer_name", "woocommerce_order_id", "id"
]
ORDER_BY_COLUMNS: Final[tuple[str, ...]] = get_args(OrderByColumn)
SortDirection = Literal["asc", "desc"]

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_OFFSET: Final = 1_000_000  # deeper pages cost a scan of every order before them; filter instead

# Each sort ends in tie-breakers that make pages stable and that match an index's order, so the database can
# read a page in index order (SQLite appends the row id to every index).
SORT_KEYS: Final[dict[str, tuple[InstrumentedAttribute[object], ...]]] = {
    "date_created": (CachedOrder.date_created, CachedOrder.id),
    "date_modified": (CachedOrder.date_modified, CachedOrder.id),
    "total": (CachedOrder.total, CachedOrder.id),
    "status": (CachedOrder.status, CachedOrder.date_created, CachedOrder.id),
    "customer_name": (CachedOrder.customer_name, CachedOrder.id),
    "woocommerce_order_id": (CachedOrder.woocommerce_order_id, CachedOrder.id),
    "id": (CachedOrder.id,),
}

# WooCommerce's own reports count these as sales: paid, or being fulfilled, or done.
REVENUE_STATUSES: Final[tuple[str, ...]] = ("processing", "on-hold", "completed")
