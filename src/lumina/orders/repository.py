"""Every query of the orders API. A repository is made for one family and every statement it runs is already
limited to what that family may see (its own, visible orders), so no caller can forget the scoping.

The order reads are Core statements that select columns, never ORM entities, so they run the same on a session
(the write-back's unit of work) and on a bare connection (the read path, which needs no identity map or flush).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Row, Select, String, and_, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from lumina.db.types import UTCDateTime, from_micros
from lumina.models import CachedOrder, Family, FamilyOrderStats, FamilyShop, ShopConnection, ShopSyncState
from lumina.orders.params import SORT_KEYS

# The listing never loads `raw_data`: it is the bulk of a row and only the single-order view shows it.
SUMMARY_COLUMNS = (
    CachedOrder.id,
    CachedOrder.woocommerce_order_id,
    CachedOrder.number,
    CachedOrder.status,
    CachedOrder.currency,
    CachedOrder.total,
    CachedOrder.total_refunded,
    CachedOrder.customer_name,
    CachedOrder.billing_email,
    CachedOrder.date_created,
    CachedOrder.date_modified,
    CachedOrder.date_paid,
    CachedOrder.date_completed,
    CachedOrder.synced_at,
    CachedOrder.shop_id,
)
DETAIL_COLUMNS = (*SUMMARY_COLUMNS, CachedOrder.raw_data)

Executor = AsyncSession | AsyncConnection


@dataclass(frozen=True, slots=True)
class StatusGroup:
    """Orders of one status in one currency."""

    status: str
    currency: str
    count: int
    net: Decimal  # totals minus refunds


@dataclass(frozen=True, slots=True)
class DayGroup(StatusGroup):
    """Orders of one status in one currency created on one UTC day."""

    day: str  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class FamilyStats:
    groups: list[StatusGroup]
    last_sync: datetime | None  # when a sync of one of the family's shops last succeeded


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: Sequence[Row[*tuple[Any, ...]]]
    count: int  # all matching orders, not only this page's


# Statements are built once, with the family and the values as bound parameters: building one costs more than
# running it (a few hundred microseconds of SQLAlchemy for the one-order read, against 0.01 ms of SQLite).
_FAMILY = bindparam("family_id", type_=Integer)
_STATUS = bindparam("status", type_=String)
_STATUSES = bindparam("statuses", type_=String, expanding=True)
_SEARCH = bindparam("search", type_=String)
StatusFilter = Literal["all", "one", "some"]
_LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """`text` anywhere, taken literally: LIKE's wildcards and the escape character are escaped."""
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%")
    return f"%{escaped.replace('_', _LIKE_ESCAPE + '_')}%"


def _visible() -> ColumnElement[bool]:
    # `= true`, not `IS TRUE`: PostgreSQL uses an index only for the former.
    return and_(CachedOrder.family_id == _FAMILY, CachedOrder.is_visible == true())


def _status_filter(statuses: Sequence[str]) -> StatusFilter:
    return "all" if not statuses else "one" if len(statuses) == 1 else "some"


def _filtered(kind: StatusFilter, searching: bool) -> list[ColumnElement[bool]]:
    conditions = [_visible()]
    if kind == "one":
        conditions.append(CachedOrder.status == _STATUS)
    elif kind == "some":
        conditions.append(CachedOrder.status.in_(_STATUSES))
    if searching:
        # ILIKE on PostgreSQL, lower() LIKE lower() on SQLite: case does not matter on either.
        columns = (CachedOrder.number, CachedOrder.customer_name, CachedOrder.billing_email)
        conditions.append(or_(*(column.ilike(_SEARCH, escape=_LIKE_ESCAPE) for column in columns)))
    return conditions


@cache
def _count_statement(kind: StatusFilter, searching: bool) -> Select[int]:
    return select(func.count()).select_from(CachedOrder).where(*_filtered(kind, searching))


@cache
def _page_statement(kind: StatusFilter, searching: bool, order_by: str, descending: bool) -> Select[*tuple[Any, ...]]:
    conditions = _filtered(kind, searching)
    keys = SORT_KEYS[order_by]  # an allow-listed name picks a column object; nothing reaches SQL as text
    ordering = [key.desc() if descending else key.asc() for key in keys]
    # An uncorrelated scalar subquery: both databases evaluate it once per statement, not once per row.
    matching = _count_statement(kind, searching).scalar_subquery()
    return (
        select(*SUMMARY_COLUMNS, matching.label("matching"))
        .where(*conditions)
        .order_by(*ordering)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


_ORDER_STATEMENT = select(*DETAIL_COLUMNS).where(CachedOrder.id == bindparam("order_id", type_=Integer), _visible())

_LAST_SYNC = (
    select(func.max(ShopSyncState.last_success_at))
    .join(FamilyShop, FamilyShop.shop_id == ShopSyncState.shop_id)
    .where(FamilyShop.family_id == _FAMILY)
    .scalar_subquery()
)
# Counts and nets per status and currency (the aggregate the database keeps, a few rows) and the last successful
# sync, in one round trip. It starts from the family's row so that a family without orders still gets a row; groups
# whose orders all left keep a row at 0, skipped here.
_STATS_STATEMENT = (
    select(
        FamilyOrderStats.status,
        FamilyOrderStats.currency,
        FamilyOrderStats.order_count,
        FamilyOrderStats.net,
        _LAST_SYNC,
    )
    .select_from(Family)
    .outerjoin(FamilyOrderStats, and_(FamilyOrderStats.family_id == Family.id, FamilyOrderStats.order_count > 0))
    .where(Family.id == _FAMILY)
    .order_by(FamilyOrderStats.status, FamilyOrderStats.currency)
)


class utc_day(FunctionElement[str]):  # noqa: N801 (a SQL function, named as one)
    """The UTC calendar day (YYYY-MM-DD) of a UTCDateTime column, on either database."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # Whatever the session's time zone: the day in UTC.
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


_DAY = utc_day(CachedOrder.date_created).label("day")
_DAILY_STATEMENT = (
    select(
        _DAY,
        CachedOrder.status,
        CachedOrder.currency,
        func.count(),
        func.sum(CachedOrder.total) - func.sum(CachedOrder.total_refunded),
    )
    .where(_visible(), CachedOrder.date_created >= bindparam("since", type_=UTCDateTime()))
    .group_by(_DAY, CachedOrder.status, CachedOrder.currency)
    .order_by(_DAY)
)


class FamilyOrderRepository:
    """Reads of one family's orders: every statement is bound to the family's id here."""

    def __init__(self, executor: Executor, family_id: int) -> None:
        self._executor = executor
        self.family_id = family_id

    def _values(self, statuses: Sequence[str] = (), search: str | None = None, **values: object) -> dict[str, object]:
        kind = _status_filter(statuses)
        if search is not None:
            values["search"] = like_pattern(search)
        if kind == "one":
            values["status"] = statuses[0]
        elif kind == "some":
            values["statuses"] = list(statuses)
        return {"family_id": self.family_id, **values}

    async def list_page(
        self,
        *,
        statuses: Sequence[str],
        order_by: str,
        descending: bool,
        limit: int,
        offset: int,
        search: str | None = None,
    ) -> OrderPage:
        """One page and the number of all matching orders, in one round trip when the page is not empty."""
        statement = _page_statement(_status_filter(statuses), search is not None, order_by, descending)
        values = self._values(statuses, search, limit=limit, offset=offset)
        rows = (await self._executor.execute(statement, values)).all()
        if rows:
            return OrderPage(rows=rows, count=int(rows[0].matching))
        if offset == 0:
            return OrderPage(rows=rows, count=0)
        return OrderPage(rows=rows, count=await self.count(statuses=statuses, search=search))  # past the end

    async def count(self, *, statuses: Sequence[str], search: str | None = None) -> int:
        statement = _count_statement(_status_filter(statuses), search is not None)
        return int((await self._executor.execute(statement, self._values(statuses, search))).scalar_one())

    async def daily(self, since: datetime) -> list[DayGroup]:
        """Orders created since `since`, grouped by UTC day, status and currency."""
        rows = (await self._executor.execute(_DAILY_STATEMENT, self._values(since=since))).all()
        return [
            DayGroup(status=status, currency=currency, count=count, net=from_micros(net), day=day)
            for day, status, currency, count, net in rows
        ]

    async def get(self, order_id: int) -> Row[*tuple[Any, ...]] | None:
        """The order's columns, `raw_data` included, if the family may see it."""
        return (await self._executor.execute(_ORDER_STATEMENT, self._values(order_id=order_id))).one_or_none()

    async def stats(self) -> FamilyStats:
        rows = (await self._executor.execute(_STATS_STATEMENT, self._values())).all()
        # A family without orders gets one row of NULLs from the outer join.
        groups = [
            StatusGroup(status=status, currency=currency, count=count, net=net)
            for status, currency, count, net, _ in rows
            if status is not None
        ]
        return FamilyStats(groups=groups, last_sync=rows[0][4] if rows else None)


class FamilyShopLinks:
    """The shop links that decide which shops a family may reach; on a session, as the shop comes back as an ORM
    object (the WooCommerce client is built from it)."""

    def __init__(self, session: AsyncSession, family_id: int) -> None:
        self._session = session
        self.family_id = family_id

    async def linked_shop_ids(self) -> list[int]:
        statement = select(FamilyShop.shop_id).where(FamilyShop.family_id == self.family_id).order_by(FamilyShop.id)
        return list((await self._session.execute(statement)).scalars())

    async def linked_shop(self, shop_id: int) -> ShopConnection | None:
        """The shop connection, if it still exists and the family is still linked to it."""
        statement = (
            select(ShopConnection)
            .join(FamilyShop, FamilyShop.shop_id == ShopConnection.id)
            .where(FamilyShop.family_id == self.family_id, ShopConnection.id == shop_id)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()


async def families_holding(executor: Executor, shop_id: int, woocommerce_order_id: int) -> list[int]:
    """Every family with a copy of this shop order (a shop can serve several families): whose reads it changes."""
    statement = select(CachedOrder.family_id).where(
        CachedOrder.shop_id == shop_id, CachedOrder.woocommerce_order_id == woocommerce_order_id
    )
    return list((await executor.execute(statement)).scalars())


async def families_linked_to(executor: Executor, shop_id: int) -> list[int]:
    statement = select(FamilyShop.family_id).where(FamilyShop.shop_id == shop_id)
    return list((await executor.execute(statement)).scalars())
