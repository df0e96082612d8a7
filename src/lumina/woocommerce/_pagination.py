"""Streaming a listing page by page, stopping at the last page and refusing to loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, TypeVar

from .errors import PaginationLoopError
from .query import OrderQuery

__all__ = ["paginate"]


class _Page(Protocol):
    @property
    def total_pages(self) -> int | None: ...

    def ids(self) -> list[int]: ...


P = TypeVar("P", bound=_Page)


async def paginate(fetch: Callable[[OrderQuery], Awaitable[P]], query: OrderQuery) -> AsyncIterator[P]:
    """Pages from `query.page` on. Stops after a short or empty page or at X-WP-TotalPages (read only from
    non-empty pages: a page past the end reports 0). Two pages holding the same orders in the same order
    raise PaginationLoopError instead of being delivered twice."""
    number = query.page
    previous: list[int] | None = None
    while True:
        page = await fetch(query.with_page(number))
        ids = page.ids()
        if ids and ids == previous:
            raise PaginationLoopError(
                f"The shop returned the same {len(ids)} orders for pages {number - 1} and {number}",
                hint="A cache or proxy in front of the shop may ignore the query string; the sync can retry "
                "later, but if this repeats, exclude /wp-json/ from page caching.",
            )
        yield page
        if not ids or len(ids) < query.per_page:
            return
        if page.total_pages is not None and number >= page.total_pages:
            return
        previous = ids
        number += 1
