"""order status changes, shop check errors

The audit of status write-backs: who asked Lumina to change which order's status, from what to what, when, and
what the shop did. And on shop connections, why the last check (the default shop's, at start-up) failed, and when.
A new table and plain ADD COLUMNs: nothing existing is copied or rebuilt (a batch copy of shop_connections would
cascade-delete its orders on SQLite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shop_connections", sa.Column("check_error", sa.Text(), nullable=True))
    op.add_column("shop_connections", sa.Column("check_failed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "order_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("woocommerce_order_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=64), nullable=True),
        sa.Column("to_status", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("shop_note_id", sa.BigInteger(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"], ["families.id"], name=op.f("fk_order_status_changes_family_id_families"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_order_status_changes_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shop_connections.id"], name=op.f("fk_order_status_changes_shop_id_shop_connections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
    )  # fmt: skip
    op.create_index(
        "ix_order_status_changes_order", "order_status_changes", ["shop_id", "woocommerce_order_id", "changed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_order_status_changes_order", table_name="order_status_changes")
    op.drop_table("order_status_changes")
    op.drop_column("shop_connections", "check_failed_at")
    op.drop_column("shop_connections", "check_error")
