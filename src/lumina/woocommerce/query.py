"""What to list: the order query and how it becomes WooCommerce's query parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

__all__ = ["ORDER_STATUSES", "OrderQuery", "format_date"]

# Every built-in status, "trash" included. WooCommerce's default ("any") leaves trash out, and even
# "any,trash" does: an incremental sync that must see trashing lists them all explicitly.
ORDER_STATUSES: tuple[str, ...] = (
    "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft", "trash",
)  # fmt: skip

OrderBy = Literal["date", "id", "include", "title", "slug", "modified"]


def format_date(value: datetime, *, gmt: bool) -> str:
    """WooCommerce's date filter format. With `gmt`, naive UTC and no offset: the real store shifted a window
    by its own UTC offset when given one. Without `gmt`, the shop's local wall time, sent as given."""
    if gmt:
        if value.tzinfo is None:
            raise ValueError("with dates_are_gmt=True, date filters must be timezone-aware datetimes")
        value = value.astimezone(UTC).replace(tzinfo=None)
    elif value.tzinfo is not None:
        raise ValueError("with dates_are_gmt=False, date filters are the shop's local time: pass naive datetimes")
    return value.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """A listing of orders. Date bounds are exclusive on the server (strictly after / before)."""

    modified_after: datetime | None = None
    modified_before: datetime | None = None
    after: datetime | None = None  # creation date
    before: datetime | None = None
    dates_are_gmt: bool = True
    orderby: OrderBy = "modified"
    order: Literal["asc", "desc"] = "asc"
    statuses: Sequence[str] | None = None  # None: the shop's default ("any": no trash)
    per_page: int = 100
    page: int = 1
    include: Sequence[int] | None = None
    fields: Sequence[str] | None = None  # `_fields`: ask only for these (the server then skips the rest)
    search: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.per_page <= 100:
            raise ValueError("per_page must be between 1 and 100 (WooCommerce answers 400 otherwise)")
        if self.page < 1:
            raise ValueError("page starts at 1")
        if self.statuses is not None:
            if isinstance(self.statuses, str):
                raise TypeError("statuses is a sequence of statuses, not one string")
            if not self.statuses or any(not s or "," in s for s in self.statuses):
                raise ValueError("statuses must be non-empty status names")
        for bound in (self.modified_after, self.modified_before, self.after, self.before):
            if bound is not None:
                format_date(bound, gmt=self.dates_are_gmt)  # fail here, not on the wire

    def with_page(self, page: int) -> OrderQuery:
        return replace(self, page=page)

    def with_fields(self, fields: Sequence[str] | None) -> OrderQuery:
        return replace(self, fields=fields)

    def to_params(self) -> list[tuple[str, str]]:
        """Query parameters; lists comma-separated (OAuth signs PHP's `status[0]`, so never `status[]`)."""
        params: list[tuple[str, str]] = [("per_page", str(self.per_page)), ("page", str(self.page))]
        dated = False
        for name, bound in (
            ("modified_after", self.modified_after),
            ("modified_before", self.modified_before),
            ("after", self.after),
            ("before", self.before),
        ):
            if bound is not None:
                params.append((name, format_date(bound, gmt=self.dates_are_gmt)))
                dated = True
        if dated and self.dates_are_gmt:
            params.append(("dates_are_gmt", "true"))
        params += [("orderby", self.orderby), ("order", self.order)]
        if self.statuses is not None:
            params.append(("status", ",".join(self.statuses)))
        if self.include is not None:
            params.append(("include", ",".join(str(int(i)) for i in self.include)))
        if self.search:
            params.append(("search", self.search))
        if self.fields:
            params.append(("_fields", ",".join(dict.fromkeys(self.fields))))
        return params
