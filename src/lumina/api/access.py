"""One line per request, the request's id on every log line it causes, and its Prometheus figures.

The id is the caller's `X-Request-ID` when it is a sane token (a proxy's or a front end's, so that their logs and
ours join up), a new one otherwise; it is sent back in `X-Request-ID`. The line names the route template, never the
raw URL: query strings may carry keys, and ids in paths would not group. A plain ASGI middleware rather than
Starlette's BaseHTTPMiddleware: it adds microseconds, not a task per request. Until its answer starts, a request
is in the foreground (`lumina.kit.foreground`): an embedded sync steps aside for it.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lumina.api import metrics
from lumina.kit.foreground import FOREGROUND
from lumina.logging import get_logger

HEADER = b"x-request-id"
SANE_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")

logger = get_logger("lumina.access")


class AccessMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = time.perf_counter()
        status = 500
        answering = FOREGROUND.answering()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                answering.done()
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                answering.done()
                seconds = time.perf_counter() - started
                route = route_template(scope)
                metrics.observe(scope["method"], route or "unmatched", status, seconds)
                logger.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    **({} if route else {"path": scope["path"]}),
                    status=status,
                    duration_ms=round(seconds * 1000, 1),
                )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and SANE_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """The matched route's path template (`/api/v1/orders/{order_id}`); None when no route matched."""
    route = scope.get("route")
    if route is None:
        route = next((r for r in getattr(scope.get("router"), "routes", ()) if r.matches(scope)[0] is Match.FULL), None)
    # path_format drops the convertors: `{order_id:order_id}` reads `{order_id}`, as OpenAPI names it.
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or "") or None
