"""Announcing committed changes to the live streams of every process (see the package's docstring)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import String, bindparam, event, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.kit.loop_thread import deliver
from lumina.live.bus import BUS, LiveEvent

CHANNEL = "lumina_live_events"
# Built once: building the statement again for each of a run's two announcements cost more CPU than sending it.
_NOTIFY = select(func.pg_notify(CHANNEL, bindparam("payload", type_=String())))
# The NOTIFYs of a statement that tells its own change (PostgreSQL): a subquery for its FROM, always one row, the
# payloads in the array parameter `told` (see `told_with`).
_PAYLOADS = func.unnest(bindparam("told", type_=postgresql.ARRAY(String()))).table_valued("payload").render_derived()
TOLD = select(func.count(func.pg_notify(CHANNEL, _PAYLOADS.c.payload))).select_from(_PAYLOADS).subquery("told")
# Order events one write may announce per family; beyond that the family hears one "orders" event (reload), so a
# backfill of thousands of orders does not flood the dashboards or the notification queue.
MAX_ORDER_EVENTS = 100
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
_PAYLOAD_LIMIT = 7000


@dataclass(frozen=True, slots=True)
class OrderChange:
    """What one family's view of one order became (status "deleted": deleted for good on the shop)."""

    family_id: int
    order_id: int
    status: str
    date_modified: datetime
    visible: bool


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_events(changes: Sequence[OrderChange]) -> list[LiveEvent]:
    by_family: dict[int, list[OrderChange]] = defaultdict(list)
    for change in changes:
        by_family[change.family_id].append(change)
    events: list[LiveEvent] = []
    for family_id, held in by_family.items():
        if len(held) > MAX_ORDER_EVENTS:
            events.append(LiveEvent(family_id, "orders", {"count": len(held)}))
            continue
        events.extend(
            LiveEvent(
                family_id,
                "order",
                {
                    "id": change.order_id,
                    "status": change.status,
                    "modified": iso(change.date_modified),
                    "visible": change.visible,
                },
            )
            for change in held
        )
    return events


def sync_events(family_ids: Iterable[int], data: dict[str, Any], *, kind: str = "sync") -> list[LiveEvent]:
    """One event of `kind` ("sync" when a run ends, "progress" while it runs) for each family."""
    return [LiveEvent(family_id, kind, data) for family_id in sorted(set(family_ids))]


def encode(events: Sequence[LiveEvent]) -> list[str]:
    """NOTIFY payloads (JSON arrays of events), each under PostgreSQL's limit."""
    payloads: list[str] = []
    batch: list[str] = []
    size = 2
    for item in events:
        encoded = orjson.dumps([item.family_id, item.kind, item.data]).decode()
        if batch and size + len(encoded) + 1 > _PAYLOAD_LIMIT:
            payloads.append(f"[{','.join(batch)}]")
            batch, size = [], 2
        batch.append(encoded)
        size += len(encoded) + 1
    if batch:
        payloads.append(f"[{','.join(batch)}]")
    return payloads


def decode(payload: str) -> list[LiveEvent]:
    return [LiveEvent(int(family_id), str(kind), dict(data)) for family_id, kind, data in orjson.loads(payload)]


async def announce(session: AsyncSession, events: Sequence[LiveEvent]) -> None:
    """Announce `events` once the session's transaction commits (nothing if it rolls back)."""
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        for payload in encode(events):
            await session.execute(_NOTIFY, {"payload": payload})
        return
    _after_commit(session, events)


def told_with(session: AsyncSession, events: Sequence[LiveEvent]) -> list[str]:
    """Announce `events` with the caller's next statement: on PostgreSQL the payloads it sends itself, selecting
    from `TOLD` with them as `told` (one round trip fewer than `announce`, for an idle shop's run); elsewhere none,
    the events told once the session's transaction commits, as `announce` does."""
    if session.get_bind().dialect.name == "postgresql":
        return encode(events)
    if events:
        _after_commit(session, events)
    return []


def _after_commit(session: AsyncSession, events: Sequence[LiveEvent]) -> None:
    held = list(events)
    event.listen(session.sync_session, "after_commit", lambda _session: deliver(BUS.publish, held), once=True)
