"""Reading a family's orders: the list, one order, the statistics. Rules live here; queries in the repository."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from lumina.errors import BadRequestError, NotFoundError
from lumina.orders.params import ORDER_STATUSES, REVENUE_STATUSES, ListParams
from lumina.orders.repository import Executor, FamilyOrderRepository, OrderPage, StatusGroup
from lumina.orders.schemas import DailyStats, OrderDetail, OrderList, OrderStats


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A list request, normalized: equal queries mean equal answers (it keys the read cache)."""

    statuses: tuple[str, ...] = ()
    order_by: str = "date_created"
    descending: bool = True
    limit: int = 50
    offset: int = 0
    search: str | None = None

    @classmethod
    def of(cls, params: ListParams) -> ListQuery:
        return cls(
            statuses=tuple(sorted(parse_statuses(params.status))),  # a set of statuses: their order changes nothing
            order_by=params.order_by,
            descending=params.order == "desc",
            limit=params.limit,
            offset=params.offset,
            search=params.search,
        )


def parse_statuses(raw: str | None) -> tuple[str, ...]:
    """`status=processing` or `status=processing,on-hold`; anything else is refused, naming the allowed values."""
    if raw is None or not raw.strip():
        return ()
    wanted = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    unknown = [status for status in wanted if status not in ORDER_STATUSES]
    if unknown:
        reason = f"unknown status {', '.join(repr(s) for s in unknown)}; allowed: {', '.join(ORDER_STATUSES)}"
        raise BadRequestError(
            f"Invalid request: status: {reason}", details={"fields": [{"field": "status", "reason": reason}]}
        )
    return wanted


class OrderReader:
    """What a family may read of its orders."""

    def __init__(self, executor: Executor, family_id: int) -> None:
        self._orders = FamilyOrderRepository(executor, family_id)

    async def list_page(self, query: ListQuery) -> OrderPage:
        """The page's rows (the summary columns, then the count of matches) and the count."""
        return await self._orders.list_page(
            statuses=query.statuses,
            order_by=query.order_by,
            descending=query.descending,
            limit=query.limit,
            offset=query.offset,
            search=query.search,
        )

    async def list_orders(self, query: ListQuery) -> OrderList:
        page = await self.list_page(query)
        # One validation call for the whole page: pydantic walks the rows natively.
        return OrderList.model_validate({"orders": page.rows, "count": page.count}, from_attributes=True)

    async def get_order(self, order_id: int) -> OrderDetail:
        order = await self._orders.get(order_id)
        if order is None:
            # The same answer for another family's order as for a missing one: ids reveal nothing.
            raise NotFoundError("Order not found.")
        return OrderDetail.model_validate(order, from_attributes=True)

    async def stats(self) -> OrderStats:
        found = await self._orders.stats()
        return summarise(found.groups, last_sync=found.last_sync)

    async def daily(self, days: int, today: date | None = None) -> DailyStats:
        """Orders and revenue per UTC day over the last `days` days, today included, every day present."""
        today = today or datetime.now(UTC).date()
        first = today - timedelta(days=days - 1)
        groups = await self._orders.daily(datetime.combine(first, time(), tzinfo=UTC))
        by_currency: Counter[str] = Counter()
        for group in groups:
            by_currency[group.currency] += group.count
        main = _main_currency(by_currency)
        series = {first + timedelta(days=n): _empty_day(first + timedelta(days=n)) for n in range(days)}
        for group in groups:
            day = series.get(date.fromisoformat(group.day))
            if day is None:  # created after today's end (a shop clock ahead of ours)
                continue
            day["orders"] += group.count
            if group.status in REVENUE_STATUSES:
                revenue = day["revenue_by_currency"]
                revenue[group.currency] = revenue.get(group.currency, Decimal(0)) + group.net
        for day in series.values():
            day["revenue"] = day["revenue_by_currency"].get(main, Decimal(0)) if main else Decimal(0)
        return DailyStats.model_validate({"days": days, "currency": main, "series": list(series.values())})


def _empty_day(day: date) -> dict[str, Any]:
    return {"date": day, "orders": 0, "revenue": Decimal(0), "revenue_by_currency": {}}


def _main_currency(by_currency: Counter[str]) -> str | None:
    """The currency most orders are in; ties go to the alphabetically first, so it is stable."""
    return min(by_currency, key=lambda currency: (-by_currency[currency], currency)) if by_currency else None


def summarise(groups: list[StatusGroup], *, last_sync: datetime | None) -> OrderStats:
    by_status: Counter[str] = Counter()
    by_currency: Counter[str] = Counter()
    revenue: dict[str, Decimal] = {}
    for group in groups:
        by_status[group.status] += group.count
        by_currency[group.currency] += group.count
        revenue.setdefault(group.currency, Decimal(0))
        if group.status in REVENUE_STATUSES:
            revenue[group.currency] += group.net
    main = _main_currency(by_currency)
    known = sum(by_status[status] for status in ORDER_STATUSES)
    return OrderStats.model_validate(
        {
            "total_orders": by_status.total(),
            **{status.replace("-", "_"): by_status[status] for status in ORDER_STATUSES},
            "other": by_status.total() - known,
            "total_revenue": revenue.get(main, Decimal(0)) if main else Decimal(0),
            "currency": main,
            "revenue_by_currency": dict(sorted(revenue.items())),
            "last_sync": last_sync,
        }
    )
