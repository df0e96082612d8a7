"""The seed's orders API under /api/v1/orders. Thin: parse, call the service, answer.

Static paths (`/stats`, `/sync/...`) are declared before `/{order_id}` so that they are never taken for an id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from lumina.api.deps import SessionDep
from lumina.auth.deps import CurrentUser
from lumina.orders.openapi import error_responses
from lumina.orders.params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, ORDER_STATUSES, OrderByColumn, SortDirection
from lumina.orders.schemas import OrderEnvelope, OrderList, StatsEnvelope
from lumina.orders.service import ListQuery, OrderReader, parse_statuses

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

MAX_ORDER_ID = 2**31 - 1  # the id column's range on PostgreSQL

OrderId = Annotated[int, Path(ge=1, le=MAX_ORDER_ID, description="Lumina's order id (`id` in the listing).")]


@router.get(
    "",
    summary="List the family's orders",
    response_model=OrderList,
    responses=error_responses(400, 401),
)
async def list_orders(
    *,
    user: CurrentUser,
    session: SessionDep,
    status: Annotated[
        str | None,
        Query(description=f"Only orders in this status; several comma-separated. One of: {', '.join(ORDER_STATUSES)}."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size: {DEFAULT_LIMIT} by default, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Orders to skip.")] = 0,
    order_by: Annotated[OrderByColumn, Query(alias="orderBy", description="Sort column.")] = "date_created",
    order: Annotated[SortDirection, Query(description="Sort direction.")] = "desc",
) -> OrderList:
    query = ListQuery(
        statuses=parse_statuses(status), order_by=order_by, descending=order == "desc", limit=limit, offset=offset
    )
    return await OrderReader(session, user.family_id).list_orders(query)


@router.get(
    "/stats",
    summary="Order counts by status, revenue and the last sync",
    response_model=StatsEnvelope,
    responses=error_responses(401),
)
async def order_stats(user: CurrentUser, session: SessionDep) -> StatsEnvelope:
    return StatsEnvelope(stats=await OrderReader(session, user.family_id).stats())


@router.get(
    "/{order_id}",
    summary="One order with its raw WooCommerce data",
    response_model=OrderEnvelope,
    responses=error_responses(400, 401, 404),
)
async def get_order(order_id: OrderId, user: CurrentUser, session: SessionDep) -> OrderEnvelope:
    return OrderEnvelope(order=await OrderReader(session, user.family_id).get_order(order_id))
