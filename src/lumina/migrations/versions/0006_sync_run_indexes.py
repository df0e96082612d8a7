"""sync run indexes

The run history of the admin API and `lumina runs` reads newest first, over every shop or only failed runs: one
index per such order, so a page is read in index order instead of sorting every run. Runs of a shop, or of the
shops a family is linked to, already have `ix_sync_runs_shop_started`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str]] = {
    "ix_sync_runs_started": ["started_at", "id"],
    "ix_sync_runs_status_started": ["status", "started_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "sync_runs", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="sync_runs")
