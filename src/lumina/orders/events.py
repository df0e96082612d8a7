"""The family's live event stream: `POST /api/v1/orders/events/ticket`, then `GET /api/v1/orders/events`.

Declared before the orders router, whose `/{order_id}` would otherwise take "events" for an id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from lumina.api.deps import ContextDep
from lumina.api.schemas import CamelModel
from lumina.auth.deps import CurrentPrincipal
from lumina.errors import UnauthorizedError
from lumina.live import BUS, Subscription
from lumina.live.tickets import Holder, issue, redeem
from lumina.orders.openapi import error_responses

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

EVENTS_PATH = "/api/v1/orders/events"


class EventTicketAnswer(CamelModel):
    ticket: str
    expires_in: int
    url: str


@router.post(
    "/events/ticket",
    summary="A ticket to open the family's event stream",
    description=(
        "A single-use ticket, valid for `EVENTS_TICKET_SECONDS` (30 s): open `GET /api/v1/orders/events?ticket=...` "
        "with it (a browser's EventSource cannot send the bearer token, and a long-lived token must not sit in a "
        "URL or an access log). Ask for a new one for each connection, reconnections included."
    ),
    status_code=201,
    response_model=EventTicketAnswer,
    responses=error_responses(401),
)
async def event_ticket(principal: CurrentPrincipal, context: ContextDep) -> EventTicketAnswer:
    lifetime = context.settings.events_ticket_seconds
    async with context.database.transaction() as session:
        ticket = await issue(
            session, Holder(principal.user_id, principal.family_id), lifetime=timedelta(seconds=lifetime)
        )
    return EventTicketAnswer(ticket=ticket, expires_in=lifetime, url=f"{EVENTS_PATH}?ticket={ticket}")


@router.get(
    "/events",
    summary="The family's live events (server-sent events)",
    description=(
        "A `text/event-stream` of the caller's family only: `order` events "
        '(`{"id", "status", "modified", "visible"}`: status `deleted` when the shop deleted it for good) whenever '
        'an order the family sees changes; `orders` (`{"count"}`) when too many changed at once to list: reload; '
        '`progress` (`{"run", "started", "pages", "processed", "total"}`) when a sync of its shop starts (0 pages) '
        "and after each page it wrote: pages read and orders processed so far, `total` the orders the shop counted "
        "(null until it said); "
        '`sync` (`{"status", "finished", "created", "updated", "deleted"}`) when a sync of its shop finishes; a '
        "comment line as a heartbeat. Opened with `?ticket=` from `POST /api/v1/orders/events/ticket` (401 when "
        "missing, used or expired)."
    ),
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The stream."}, **error_responses(401)},
)
async def events(
    request: Request, context: ContextDep, ticket: Annotated[str, Query(description="From the ticket endpoint.")] = ""
) -> EventSourceResponse:
    async with context.database.transaction() as session:
        holder = await redeem(session, ticket)
    if holder is None:
        raise UnauthorizedError("The event stream needs a valid ticket from POST /api/v1/orders/events/ticket.")
    return EventSourceResponse(
        _stream(holder.family_id),
        ping=context.settings.events_heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(family_id: int) -> AsyncIterator[ServerSentEvent]:
    subscription: Subscription = BUS.subscribe(family_id)
    try:
        yield ServerSentEvent(comment="connected")
        while True:
            event = await subscription.queue.get()
            if subscription.overflowed:  # fell behind: events were dropped, the dashboard must reload
                subscription.overflowed = False
                yield ServerSentEvent(event="orders", data=orjson.dumps({"count": None}).decode())
            yield ServerSentEvent(event=event.kind, data=orjson.dumps(event.data).decode())
    finally:
        BUS.unsubscribe(subscription)
