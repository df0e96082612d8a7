"""A run's record as the operator's history shows it: opening a shop's run, or recording one whole at its end (an
unchanged shop's), closes the runs a dead process left running for that shop (on PostgreSQL in the same statement as
the INSERT), and no other shop's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.models import ShopSyncState, SyncRun, SyncTrigger
from lumina.sync import runs
from lumina.sync.runs import SyncResult
from lumina.sync.state import ShopLease
from tests.factories import create_shop

NOW = datetime.now(UTC)


async def open_run(context: ServiceContext, shop_id: int) -> int:
    async with context.database.transaction() as session:
        return await runs.start_run(
            session, shop_id=shop_id, family_id=None, trigger=SyncTrigger.SCHEDULE, started_at=NOW, cursor_before=None
        )


async def test_opening_a_run_closes_what_a_dead_process_left_running_for_that_shop_only(
    context: ServiceContext,
) -> None:
    async with context.database.transaction() as session:
        shop = await create_shop(session, context.secret_box, name="Shop")
        other = await create_shop(session, context.secret_box, url="http://127.0.0.1:2", name="Other shop")
        shop_id, other_id = shop.id, other.id
    left_running = await open_run(context, shop_id)  # its process died before recording the run's end
    others_run = await open_run(context, other_id)

    opened = await open_run(context, shop_id)

    async with context.database.transaction() as session:
        records = {run.id: run for run in await session.scalars(select(SyncRun))}
    assert {run_id: (run.status, run.error) for run_id, run in records.items()} == {
        left_running: ("failed", runs.ABANDONED),
        others_run: ("running", None),
        opened: ("running", None),
    }
    assert records[left_running].finished_at is not None
    assert (records[opened].requests, records[opened].processed, records[opened].finished_at) == (0, 0, None)


async def test_a_run_recorded_whole_closes_what_was_left_running_at_its_start_and_gives_the_lease_back(
    context: ServiceContext,
) -> None:
    async with context.database.transaction() as session:
        shop_id = (await create_shop(session, context.secret_box)).id
    left_running = await open_run(context, shop_id)
    lease = ShopLease(context.database, shop_id, "this-host:1:abc")
    assert await lease.acquire()
    started = NOW + timedelta(minutes=1)
    ended = SyncResult(shop_id=shop_id, run_id=None, status="succeeded", trigger="schedule", requests=1,
                       started_at=started, finished_at=started + timedelta(seconds=1), cursor_before=NOW,
                       cursor_after=started)  # fmt: skip

    async with context.database.standalone() as session:
        recorded = await runs.record_whole_run(session, lease, {"last_success_at": ended.finished_at}, ended, ())

    async with context.database.transaction() as session:
        records = {run.id: run for run in await session.scalars(select(SyncRun))}
        state = await session.get(ShopSyncState, shop_id)
    closed, whole = records[left_running], records[recorded]
    assert (closed.status, closed.error, closed.finished_at) == ("failed", runs.ABANDONED, started)
    assert (whole.status, whole.started_at, whole.finished_at, whole.requests, whole.cursor_after) == (
        "succeeded",
        started,
        ended.finished_at,
        1,
        started,
    )
    assert state is not None
    assert (state.lock_owner, state.last_success_at) == (None, ended.finished_at)
