"""Bringing the orders a webhook named up to date: re-read from the shop, written under the newer-wins rule.

A delivery's body may be stale (it is read when the shop's queue runs), coalesced, replayed or forged by someone
who stole nothing but a URL; the shop's own answer now is the only copy worth writing. The writer's guard keeps
even that from overwriting a newer row another writer put there meanwhile. An order the shop no longer has under
any status was deleted for good and leaves every family's view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from lumina.db import Database
from lumina.kit.changes import family_data_changed_on_commit
from lumina.live.announce import OrderChange, announce, order_events
from lumina.models import ShopConnection
from lumina.sync.cursor import ShopClock
from lumina.sync.engine import SyncOptions
from lumina.sync.reader import ShopReader, listing_statuses
from lumina.sync.reconcile import fetch_or_gone
from lumina.sync.routing import load_routes
from lumina.sync.writer import WriteCounts, tombstone_orders, write_routed
from lumina.woocommerce import WooClient


async def refresh_orders(
    database: Database,
    shop: ShopConnection,
    client: WooClient,
    order_ids: Sequence[int],
    *,
    options: SyncOptions,
) -> WriteCounts:
    """Re-read these orders of `shop` (one request for up to 100 of them, more only for plugin statuses or orders
    gone) and write them to every linked family, in one transaction; announced once committed."""
    reader = ShopReader(client, listing_statuses(shop.order_statuses), ShopClock())
    found, gone = await fetch_or_gone(reader, order_ids, passes=((), None))
    now = datetime.now(UTC)
    changes: list[OrderChange] = []
    async with database.transaction() as session:
        routes = await load_routes(session, shop.id)
        counts = await write_routed(
            session, shop.id, routes, found, retention_cutoff=options.retention_cutoff(now), changes=changes
        )
        counts.deleted += await tombstone_orders(session, shop.id, gone, now=now, changes=changes)
        await announce(session, order_events(changes))
        family_data_changed_on_commit(session, {change.family_id for change in changes})
    return counts
