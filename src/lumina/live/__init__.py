"""Live events for the families' dashboards: what changed, announced by the writers, streamed by the API.

Writers (the sync engine, the webhook refresher) announce inside their transaction (`announce`); subscribers in
any process hear it only once it is committed: through PostgreSQL's NOTIFY (delivered on commit) and each
process's `PgEventListener`, or, on SQLite (one process), straight from the commit to this process's `BUS`.
"""

from lumina.live.announce import OrderChange, announce, order_events, sync_events
from lumina.live.bus import BUS, EventBus, LiveEvent, Subscription

__all__ = ["BUS", "EventBus", "LiveEvent", "OrderChange", "Subscription", "announce", "order_events", "sync_events"]
