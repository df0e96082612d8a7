"""the runs left running

Every run's start closes its shop's runs left running by a process that died (`lumina.sync.runs.start_run`). Through
`ix_sync_runs_shop_started` that read every run of the shop, 48 a day at the default interval, whenever the planner
had no fresh statistics (SQLite never has; PostgreSQL until autovacuum analyzes the table). A partial index of the
running runs holds one row per shop at most.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING_ONLY = "status = 'running'"  # as the model states it (`lumina.models.sync.RUNNING_ONLY`), frozen here


def upgrade() -> None:
    op.create_index(
        "ix_sync_runs_running",
        "sync_runs",
        ["shop_id"],
        unique=False,
        postgresql_where=sa.text(RUNNING_ONLY),
        sqlite_where=sa.text(RUNNING_ONLY),
    )


def downgrade() -> None:
    op.drop_index("ix_sync_runs_running", table_name="sync_runs")
