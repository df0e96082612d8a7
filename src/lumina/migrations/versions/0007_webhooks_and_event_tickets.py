"""webhooks and event tickets

The secret each shop signs its webhook deliveries with (encrypted), the webhooks registered on each shop, and the
single-use tickets that open a family's live event stream.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN and new tables only: a batch copy of shop_connections would, on SQLite with foreign keys on,
# delete every family link and cached order of its shops.


def upgrade() -> None:
    op.add_column("shop_connections", sa.Column("webhook_secret_encrypted", sa.Text(), nullable=True))
    op.create_table(
        "shop_webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shop_connections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("remote_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("delivery_url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reactivations", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shop_id", "remote_id"),
    )
    op.create_index("ix_shop_webhooks_shop_id", "shop_webhooks", ["shop_id"])
    op.create_table(
        "event_tickets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_tickets_user_id", "event_tickets", ["user_id"])
    op.create_index("ix_event_tickets_expires_at", "event_tickets", ["expires_at"])


def downgrade() -> None:
    op.drop_table("event_tickets")
    op.drop_table("shop_webhooks")
    op.drop_column("shop_connections", "webhook_secret_encrypted")
