"""order query indexes

Indexes the orders API needs at a million orders: a covering index for the per-family statistics (an index-only
GROUP BY on both databases) and one per sort column of the list, so that a page is read in index order instead of
sorting all of a family's orders first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every index starts with (family_id, is_visible): each query reads one family's visible orders only.
INDEXES: dict[str, list[str]] = {
    # Stats: an index-only GROUP BY, read in group order.
    "ix_cached_orders_family_stats": ["family_id", "is_visible", "status", "currency", "total", "total_refunded"],
    # One per sort column of the list that no older index serves (date_created and status are served by 0001's).
    "ix_cached_orders_family_modified": ["family_id", "is_visible", "date_modified"],
    "ix_cached_orders_family_total": ["family_id", "is_visible", "total"],
    "ix_cached_orders_family_customer": ["family_id", "is_visible", "customer_name"],
    "ix_cached_orders_family_wc_id": ["family_id", "is_visible", "woocommerce_order_id"],
    "ix_cached_orders_family_by_id": ["family_id", "is_visible", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cached_orders", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="cached_orders")
