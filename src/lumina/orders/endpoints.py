"""The seed's orders API under /api/v1/orders. Thin: parse, call the service, answer.

`/stats` is declared before `/{order_id}` so that it is never taken for an id; the reads come first, as routes are
matched in order (the POST routes of `/sync` cannot be taken for a GET of an order, whatever their order).

The three reads answer with the JSON bytes of the read cache (`reads.py`): a `Response` returned as is, while
`response_model` keeps each shape documented. They authenticate with the lean principal (a user's deactivation
shows within seconds across processes); writes load the user row, as before. A cached answer costs FastAPI's
routing and dependency solving more than our own work, so the reads take no parameter or dependency of FastAPI's:
they resolve the principal, then validate their parameters (`params.py`), and declare the bearer scheme and the
parameters for the OpenAPI page themselves.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from starlette.convertors import StringConvertor, register_url_convertor

from lumina.api.deps import ContextDep, SessionDep
from lumina.api.integers import IdParam, PageParam
from lumina.auth.deps import AdminUser, CurrentPrincipal, CurrentUser, current_principal
from lumina.orders import status_history, sync_control
from lumina.orders.openapi import error_responses, parameters_of
from lumina.orders.params import DailyParams, ListParams, OrderPath, daily_params, list_params, order_id_of
from lumina.orders.reads import reads_of
from lumina.orders.schemas import (
    DailyStatsEnvelope,
    OrderEnvelope,
    OrderList,
    StatsEnvelope,
    StatusChangeList,
    StatusUpdateRequest,
    StatusUpdateResult,
    SyncAccepted,
    SyncCompleted,
    SyncRequest,
    SyncRunList,
    SyncStatus,
)
from lumina.orders.service import ListQuery
from lumina.orders.status_update import OrderStatusWriter

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


class _OrderIdSegment(StringConvertor):
    """The path segment of an order id: any but the API's own words, so that `/sync/status` and `/sync` are never
    taken for an order (a PUT to `/sync/status` is a 405, as documented, not a 400 for the id "sync"); any other
    segment reaches the endpoint, which refuses a bad id with a 400 saying why."""

    regex = r"(?!(?:stats|sync)(?:/|$))[^/]+"


register_url_convertor("order_id", _OrderIdSegment())

JSON = "application/json"
MAX_RUNS = 50  # runs on one page of `/sync/runs`
BEARER: dict[str, Any] = {"security": [{"HTTPBearer": []}]}  # the scheme `current_principal` declares

OrderId = Annotated[IdParam, Path(description=OrderPath.model_fields["order_id"].description)]


@router.get(
    "",
    summary="List the family's orders",
    description=(
        "Orders of the caller's family (never trashed orders or unfinished checkouts), newest first by default. "
        "`count` is the number of orders matching the filter, across all pages."
    ),
    response_model=OrderList,
    responses=error_responses(400, 401),
    openapi_extra={**BEARER, "parameters": parameters_of(ListParams, "query")},
)
async def list_orders(request: Request) -> Response:
    principal = await current_principal(request)
    params = list_params(request.scope["query_string"])
    body = await reads_of(request.app.state.context).list_json(principal.family_id, ListQuery.of(params))
    return Response(body, media_type=JSON)


@router.get(
    "/stats",
    summary="Order counts by status, revenue and the last sync",
    description=(
        "Counts of the family's orders by status (0 when none), `other` for statuses a shop plugin added. "
        "Revenue is the sum of totals minus refunds of processing, on-hold and completed orders (what WooCommerce's "
        "own reports count as paid), as a decimal string: `total_revenue` in the family's main `currency`, and every "
        "currency in `revenue_by_currency`. `last_sync` is when a sync of the family's shop last succeeded."
    ),
    response_model=StatsEnvelope,
    responses=error_responses(401),
    openapi_extra=BEARER,
)
async def order_stats(request: Request) -> Response:
    principal = await current_principal(request)
    body = await reads_of(request.app.state.context).stats_json(principal.family_id)
    return Response(body, media_type=JSON)


@router.get(
    "/stats/daily",
    summary="Orders and revenue per day",
    description=(
        "The family's orders created on each UTC day of the last `days` days (today included, days without orders at "
        "0), and their revenue by the rule of `/stats` (processing, on-hold and completed orders, minus refunds) as "
        "decimal strings: `revenue` in the window's main `currency`, every currency in `revenueByCurrency`."
    ),
    response_model=DailyStatsEnvelope,
    responses=error_responses(400, 401),
    openapi_extra={**BEARER, "parameters": parameters_of(DailyParams, "query")},
)
async def daily_stats(request: Request) -> Response:
    principal = await current_principal(request)
    params = daily_params(request.scope["query_string"])
    body = await reads_of(request.app.state.context).daily_json(principal.family_id, params.days)
    return Response(body, media_type=JSON)


@router.get(
    "/{order_id:order_id}",
    summary="One order with its raw WooCommerce data",
    response_model=OrderEnvelope,
    responses=error_responses(400, 401, 404),
    openapi_extra={**BEARER, "parameters": parameters_of(OrderPath, "path")},
)
async def get_order(request: Request) -> Response:
    principal = await current_principal(request)
    order_id = order_id_of(request)
    body = await reads_of(request.app.state.context).order_json(principal.family_id, order_id)
    return Response(body, media_type=JSON)


@router.post(
    "/sync",
    summary="Sync the family's orders now",
    description="Runs the sync of the caller's family's shop now and answers when it is done.",
    response_model=SyncCompleted,
    responses=error_responses(400, 401, 409, 502, 503),
)
async def sync_now(
    user: CurrentUser, context: ContextDep, body: Annotated[SyncRequest | None, Body()] = None
) -> SyncCompleted:
    return await sync_control.sync_family_now(context, user.family_id, body.days_back if body else None)


@router.post(
    "/sync/all",
    summary="Start a sync of every shop (administrators)",
    description="Embedded mode: runs in the background of this process. Queue mode: one job per shop for the "
    "workers (a shop that already has a job waiting gets no second one).",
    status_code=202,
    response_model=SyncAccepted,
    responses=error_responses(401, 403, 503),
)
async def sync_everything(user: AdminUser, context: ContextDep) -> SyncAccepted:
    return await sync_control.start_sync_all(context, user.id)


@router.get(
    "/sync/status",
    summary="The background sync's state, the family's last run and the next one",
    response_model=SyncStatus,
    responses=error_responses(401),
)
async def sync_status(principal: CurrentPrincipal, session: SessionDep, context: ContextDep) -> SyncStatus:
    return await sync_control.sync_status(context, session, principal.family_id)


@router.get(
    "/sync/runs",
    summary="The last sync runs of the family's shops, with their errors",
    description=(
        "Runs of the shops the caller's family is linked to, newest first (a running one with its counts so far), "
        "in the shape of `lastRun`. A shop shared with other families lists their runs too: they sync the same orders."
    ),
    response_model=SyncRunList,
    responses=error_responses(400, 401),
)
async def sync_runs(
    principal: CurrentPrincipal,
    session: SessionDep,
    context: ContextDep,
    limit: Annotated[PageParam, Query(ge=1, le=MAX_RUNS)] = 10,
    offset: Annotated[PageParam, Query(ge=0)] = 0,
) -> SyncRunList:
    return await sync_control.family_runs(context, session, principal.family_id, limit=limit, offset=offset)


@router.put(
    "/{order_id:order_id}/status",
    summary="Change an order's status on the shop",
    description=(
        "Sends the status alone to the shop (WooCommerce then emails the customer as it does for any status change) "
        "and updates Lumina's copy from the shop's answer. If the order already has this status, nothing is sent. "
        "When the shop refuses or fails, the answer is 502 with the shop's reason and Lumina's copy is unchanged."
    ),
    response_model=StatusUpdateResult,
    responses=error_responses(400, 401, 404, 502, 503),
)
async def set_order_status(
    order_id: OrderId, body: StatusUpdateRequest, user: CurrentUser, context: ContextDep
) -> StatusUpdateResult:
    return await OrderStatusWriter(context).set_status(user, order_id, body.status)


@router.get(
    "/{order_id}/status-changes",
    summary="Who changed the order's status through Lumina",
    description=(
        "The status changes the caller's family asked for this order, newest first: who, from what to what, when, "
        "and what the shop did (a change also left an order note in the shop naming the user)."
    ),
    response_model=StatusChangeList,
    responses=error_responses(400, 401, 404),
)
async def order_status_changes(order_id: OrderId, principal: CurrentPrincipal, session: SessionDep) -> StatusChangeList:
    return await status_history.of_order(session, principal.family_id, order_id)
