"""The listings the sync asks a shop for, each timed so that the shop's clock can be read from its answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lumina.sync.cursor import ONE_SECOND, ShopClock
from lumina.woocommerce import ORDER_STATUSES, OrderQuery, WooClient, WooOrder

PER_PAGE = 100
# What a reconciliation listing asks for: enough to see every change the cache shows (the client adds the
# other fields WooOrder needs), without line items and meta data, which make up most of an order.
STAMP_FIELDS = ("id",)


def listing_statuses(known: Sequence[str] | None) -> tuple[str, ...]:
    """Every status the shop knows, trash included: the default ("any") never lists trash, so a sync asking for
    it would never see an order being trashed."""
    if not known:
        return ORDER_STATUSES
    return tuple(dict.fromkeys((*known, "checkout-draft", "trash")))


@dataclass(frozen=True, slots=True)
class Fetched:
    orders: list[WooOrder]
    total: int | None  # X-WP-Total: orders matching the query (None on an empty page)
    full: bool  # a whole page: more may follow


class ShopReader:
    """Listings of one shop for the sync: keyset steps, pages of one second, orders by id."""

    def __init__(
        self,
        client: WooClient,
        statuses: Sequence[str],
        clock: ShopClock,
        *,
        per_page: int = PER_PAGE,
        stamps_only: bool = False,
    ) -> None:
        self.client = client
        self.statuses = tuple(statuses)
        self.clock = clock
        self.per_page = per_page
        self.fields = STAMP_FIELDS if stamps_only else None

    async def _list(self, query: OrderQuery) -> Fetched:
        started = time.monotonic()
        page = await self.client.list_orders(query)
        self.clock.observe(page.shop_time, time.monotonic() - started)
        return Fetched(page.orders, page.total, len(page.orders) >= query.per_page)

    async def keyset(self, modified_after: datetime, modified_before: datetime | None) -> Fetched:
        """The first page of orders modified after `modified_after` (and before `modified_before`), oldest first."""
        return await self._list(
            OrderQuery(
                modified_after=modified_after,
                modified_before=modified_before,
                orderby="modified",
                order="asc",
                statuses=self.statuses,
                per_page=self.per_page,
                fields=self.fields,
            )
        )

    async def count(
        self, modified_after: datetime, modified_before: datetime, *, created_after: datetime | None = None
    ) -> int:
        """How many orders the shop holds in a modification window (X-WP-Total of a one-order page), of those
        created after `created_after` if given."""
        query = self._one_order(modified_after, modified_before, page=1)
        if created_after is not None:
            query = replace(query, after=created_after)
        fetched = await self._list(query)
        return fetched.total or 0

    async def newest(self, modified_after: datetime, *, created_after: datetime | None = None) -> Fetched:
        """The most recently modified order after `modified_after` (a one-order page, newest first), created after
        `created_after` if given; its X-WP-Total counts the whole window. One request tells both whether anything
        changed since a cursor and how many orders the shop holds in the window."""
        query = replace(self._one_order(modified_after, None, page=1), order="desc", after=created_after)
        return await self._list(query)

    async def modified_at_rank(
        self, modified_after: datetime, modified_before: datetime | None, rank: int
    ) -> datetime | None:
        """The modification time of the `rank`-th order (from 1) of a window, oldest first; None past the end."""
        fetched = await self._list(self._one_order(modified_after, modified_before, page=max(rank, 1)))
        return fetched.orders[0].date_modified if fetched.orders else None

    def _one_order(self, modified_after: datetime, modified_before: datetime | None, *, page: int) -> OrderQuery:
        """A one-order page of a window, oldest first: cheap questions about the window's size and spread."""
        return OrderQuery(
            modified_after=modified_after,
            modified_before=modified_before,
            orderby="modified",
            order="asc",
            statuses=self.statuses,
            per_page=1,
            page=page,
            fields=STAMP_FIELDS,
        )

    async def second(self, second: datetime, page: int) -> Fetched:
        """Page `page` of the orders modified within one second, by id: for seconds holding more than a page."""
        return await self._list(
            OrderQuery(
                modified_after=second - ONE_SECOND,
                modified_before=second + ONE_SECOND,
                orderby="id",
                order="asc",
                statuses=self.statuses,
                per_page=self.per_page,
                page=page,
                fields=self.fields,
            )
        )

    async def by_ids(self, ids: Sequence[int], *, statuses: Sequence[str] | None = ()) -> list[WooOrder]:
        """The full orders with these ids that still exist. `statuses` () means the sync's list; None the shop's
        default ("any": every status but trash, plugin statuses included)."""
        found: list[WooOrder] = []
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), self.per_page):
            chunk = wanted[start : start + self.per_page]
            query = OrderQuery(
                include=chunk,
                orderby="id",
                order="asc",
                statuses=self.statuses if statuses == () else statuses,
                per_page=self.per_page,
            )
            started = time.monotonic()
            page = await self.client.list_orders(query)
            self.clock.observe(page.shop_time, time.monotonic() - started)
            found.extend(page.orders)
        return found
