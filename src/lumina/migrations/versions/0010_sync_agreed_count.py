"""the count the cache last agreed with

An idle shop's run compares the shop's count of the sync window (one request, which it makes anyway) with the
cache's, to find orders deleted for good. Counting the cache's side read every cached order of the window, in every
run of every idle shop. `shop_sync_state.agreed_count` keeps the shop's count from the last time the two agreed:
while the shop answers the same count and nothing changed since, nothing was deleted, and the cache is not counted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shop_sync_state", sa.Column("agreed_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("shop_sync_state", "agreed_count")
