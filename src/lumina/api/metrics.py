"""Prometheus metrics: request counts and latencies by route, and the `/metrics` endpoint (the sync's figures are
`lumina.sync.metrics` and `lumina.jobs.gauges`; docs/operating.md lists them).

A plain ASGI middleware rather than Starlette's BaseHTTPMiddleware: it adds microseconds, not a task per request.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lumina.jobs import gauges

REQUESTS = Counter("lumina_http_requests_total", "HTTP requests served.", ["method", "route", "status"])
LATENCY = Histogram(
    "lumina_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """HTTP figures of this process, sync figures of the runs it did, and the database's lag and queue gauges."""
    await gauges.refresh(request.app.state.context)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    """The route's path template (`/api/v1/orders/{order_id}`), so ids do not explode the label set."""
    router = scope.get("router")
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", "unmatched"))
    for candidate in getattr(router, "routes", ()):
        if candidate.matches(scope)[0] is Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"
