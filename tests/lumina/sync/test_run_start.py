"""Opening a run closes the shop's runs left running by a process that died, and reads only those: a shop's
history grows by 48 runs a day at the default interval, and every run, an idle shop's too, opens with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from lumina.context import ServiceContext
from lumina.models import SyncRun, SyncRunStatus, SyncTrigger
from lumina.sync import runs
from tests.lumina.sync.support import rows_read
from tests.lumina.sync.test_writer import _setup

NOW = datetime.now(UTC)

HISTORY = 2_000


async def _history(context: ServiceContext, shop_id: int) -> int:
    """A long history of finished runs, and one left running by a dead process; returns the latter's id."""
    start = datetime.now(UTC) - timedelta(days=60)
    at = [start + timedelta(minutes=30 * n) for n in range(HISTORY)]
    finished = [
        {"shop_id": shop_id, "trigger": "schedule", "status": "succeeded", "started_at": moment, "finished_at": moment}
        for moment in at
    ]
    async with context.database.transaction() as session:
        await session.execute(insert(SyncRun), finished)
        left = SyncRun(shop_id=shop_id, trigger="schedule", status="running", started_at=datetime.now(UTC))
        session.add(left)
        await session.flush()
        return left.id


async def test_opening_a_run_closes_the_shops_runs_left_running(context: ServiceContext) -> None:
    shop_id, _ = await _setup(context, [None])
    left = await _history(context, shop_id)
    async with context.database.transaction() as session:
        opened = await runs.start_run(
            session, shop_id=shop_id, family_id=None, trigger=SyncTrigger.SCHEDULE, started_at=NOW, cursor_before=None
        )
    async with context.database.transaction() as session:
        statuses = {row.id: row.status for row in await session.execute(select(SyncRun.id, SyncRun.status))}
    assert statuses[left] == SyncRunStatus.FAILED.value
    assert statuses[opened] == SyncRunStatus.RUNNING.value
    assert sum(status == SyncRunStatus.SUCCEEDED.value for status in statuses.values()) == HISTORY


async def test_opening_a_run_reads_the_runs_left_running_not_the_shops_history(context: ServiceContext) -> None:
    """Measured on PostgreSQL before the table's statistics exist (as between two runs of autovacuum's analyze);
    SQLite, which never has them, shows it in its plan."""
    shop_id, _ = await _setup(context, [None])
    await _history(context, shop_id)
    async with context.database.transaction() as session:
        if context.database.is_sqlite:
            closing = runs._START.writes[0].compile(dialect=session.get_bind().dialect)
            values = closing.construct_params({"run_shop": shop_id, "run_started": "2026-12-04 00:00:00"})
            connection = await session.connection()
            explained = await connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {closing}", tuple(values[name] for name in closing.positiontup or ())
            )
            assert "ix_sync_runs_running" in " ".join(str(row[-1]) for row in explained)
            return
        before = await rows_read(session, "sync_runs")
        await runs.start_run(
            session, shop_id=shop_id, family_id=None, trigger=SyncTrigger.SCHEDULE, started_at=NOW, cursor_before=None
        )
        read = await rows_read(session, "sync_runs") - before
    assert read <= 2
