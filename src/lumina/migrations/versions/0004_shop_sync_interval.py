"""shop sync interval

A shop may be synced on its own interval (an operator's slow or busy shop); NULL means the service's
`SYNC_INTERVAL`, so existing shops keep today's schedule.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops columns): a batch copy would drop and recreate the table,
# and with foreign keys on, SQLite's DROP TABLE deletes every family link and cached order of its shops.


def upgrade() -> None:
    op.add_column("shop_connections", sa.Column("sync_interval_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("shop_connections", "sync_interval_minutes")
