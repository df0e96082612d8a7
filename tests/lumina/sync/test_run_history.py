"""The run history is trimmed daily to RUN_HISTORY_DAYS: a shop syncing every 30 minutes adds 48 runs a day. Each
shop's newest run stays however old (the families' `lastRun`), and so does a run still running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from lumina.context import ServiceContext
from lumina.jobs.daily import run_daily_for
from lumina.models import SyncRun
from lumina.sync import retention
from lumina.sync.retention import remove_old_runs
from tests.lumina.sync.test_writer import _setup

NOW = datetime.now(UTC)


async def _runs(context: ServiceContext, shop_id: int, *ages: tuple[int, str]) -> None:
    rows = [
        {"shop_id": shop_id, "trigger": "schedule", "status": status, "started_at": NOW - timedelta(days=days)}
        for days, status in ages
    ]
    async with context.database.transaction() as session:
        await session.execute(insert(SyncRun), rows)


async def _kept(context: ServiceContext) -> set[tuple[int, int, str]]:
    """(shop, age in whole days, status) of every run left."""
    async with context.database.transaction() as session:
        rows = await session.execute(select(SyncRun.shop_id, SyncRun.started_at, SyncRun.status))
        return {(row.shop_id, round((NOW - row.started_at) / timedelta(days=1)), row.status) for row in rows}


async def _two_shops(context: ServiceContext) -> tuple[int, int]:
    busy, _ = await _setup(context, [None])
    quiet, _ = await _setup(context, [None])
    # Inserted oldest first, as runs are: the newest run of a shop has its highest id.
    await _runs(context, busy, (120, "running"), (100, "succeeded"), (95, "failed"), (10, "succeeded"), (1, "failed"))
    await _runs(context, quiet, (300, "succeeded"), (200, "succeeded"))
    return busy, quiet


async def test_runs_older_than_the_history_leave_but_each_shops_newest_stays(context: ServiceContext) -> None:
    busy, quiet = await _two_shops(context)

    assert await remove_old_runs(context.database, 90, now=NOW) == 3

    assert await _kept(context) == {
        (busy, 120, "running"), (busy, 10, "succeeded"), (busy, 1, "failed"), (quiet, 200, "succeeded"),
    }  # fmt: skip


async def test_a_large_history_goes_a_batch_at_a_time(context: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    await _two_shops(context)
    monkeypatch.setattr(retention, "RUNS_DELETED_AT_ONCE", 1)

    assert await remove_old_runs(context.database, 90, now=NOW) == 3
    assert len(await _kept(context)) == 4


async def test_the_daily_housekeeping_trims_the_history_and_zero_keeps_every_run(context: ServiceContext) -> None:
    await _two_shops(context)
    assert await remove_old_runs(context.database, 0, now=NOW) == 0
    assert len(await _kept(context)) == 7

    assert context.settings.run_history_days == 90  # the default
    await run_daily_for(context)
    assert len(await _kept(context)) == 4
