"""When a shop is due (the queue's tick enqueues those): its own interval or SYNC_INTERVAL after its last success,
the end of its backoff after failures, never while its lease is held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lumina.context import ServiceContext
from lumina.jobs.due import shop_schedules
from lumina.models import ShopSyncState
from tests.factories import create_shop


async def test_shops_are_due_by_their_own_interval_their_backoff_and_never_while_syncing(
    context: ServiceContext,
) -> None:
    now = datetime.now(UTC)
    ago = {"last_success_at": now - timedelta(minutes=10)}
    async with context.database.transaction() as session:
        fresh = await create_shop(session, context.secret_box, name="never synced")
        own = await create_shop(session, context.secret_box, name="every 5 minutes", sync_interval_minutes=5)
        default = await create_shop(session, context.secret_box, name="SYNC_INTERVAL")
        failing = await create_shop(session, context.secret_box, name="backing off", sync_interval_minutes=5)
        busy = await create_shop(session, context.secret_box, name="syncing", sync_interval_minutes=5)
        session.add_all(
            [
                ShopSyncState(shop_id=own.id, consecutive_failures=0, **ago),
                ShopSyncState(shop_id=default.id, consecutive_failures=0, **ago),
                ShopSyncState(
                    shop_id=failing.id, consecutive_failures=2, next_attempt_at=now + timedelta(minutes=20), **ago
                ),
                ShopSyncState(
                    shop_id=busy.id, consecutive_failures=0, lock_owner="w", lock_expires_at=now + timedelta(60), **ago
                ),
            ]
        )

    async with context.database.transaction() as session:
        schedules = {s.shop_id: s for s in await shop_schedules(session, default_interval_minutes=30)}

    due = {shop_id for shop_id, schedule in schedules.items() if schedule.due(datetime.now(UTC))}
    assert due == {fresh.id, own.id}
    assert schedules[default.id].due_at == ago["last_success_at"] + timedelta(minutes=30)
    assert schedules[failing.id].due_at == now + timedelta(minutes=20)
    assert schedules[busy.id].syncing
    assert [schedules[s.id].interval_minutes for s in (own, default)] == [5, 30]
