"""When each shop's next sync is due: its own interval (or SYNC_INTERVAL) after its last success, or the end of
its backoff after failures. The queue's periodic tick enqueues the shops that are due; the status API shows it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import ShopConnection, ShopSyncState


@dataclass(frozen=True, slots=True)
class ShopSchedule:
    shop_id: int
    interval_minutes: int
    due_at: datetime
    syncing: bool  # its lease is held: a run is under way somewhere

    def due(self, now: datetime) -> bool:
        return not self.syncing and self.due_at <= now


async def shop_schedules(
    session: AsyncSession, default_interval_minutes: int, shop_ids: Sequence[int] | None = None
) -> list[ShopSchedule]:
    now = datetime.now(UTC)
    statement = (
        select(
            ShopConnection.id,
            ShopConnection.sync_interval_minutes,
            ShopSyncState.last_success_at,
            ShopSyncState.next_attempt_at,
            ShopSyncState.lock_owner,
            ShopSyncState.lock_expires_at,
        )
        .outerjoin(ShopSyncState, ShopSyncState.shop_id == ShopConnection.id)
        .order_by(ShopConnection.id)
    )
    if shop_ids is not None:
        statement = statement.where(ShopConnection.id.in_(list(shop_ids)))
    schedules = []
    for row in await session.execute(statement):
        minutes = row.sync_interval_minutes or default_interval_minutes
        interval = timedelta(minutes=minutes)
        if row.next_attempt_at is not None:  # backing off after failures
            due_at = row.next_attempt_at
        elif row.last_success_at is not None:
            due_at = row.last_success_at + interval
        else:
            due_at = now
        syncing = row.lock_owner is not None and row.lock_expires_at is not None and row.lock_expires_at > now
        schedules.append(ShopSchedule(row.id, minutes, due_at, syncing))
    return schedules
