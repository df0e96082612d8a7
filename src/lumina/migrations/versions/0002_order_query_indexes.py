"""order query indexes

Indexes the orders API needs at a million orders: a covering index for the per-family statistics (an index-only
GROUP BY on both databases) and one per sort column that families commonly sort by, so that a page is read in index
order instead of sorting all of a family's orders.

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

INDEXES: dict[str, list[str]] = {
    "ix_cached_orders_family_stats": ["family_id", "is_visible", "status", "currency", "total", "total_refunded"],
    "ix_cached_orders_family_modified": ["family_id", "is_visible", "date_modified"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cached_orders", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="cached_orders")
