"""The ASGI application: faults and latency around the synchronous dispatcher, plus the control API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from woosim.faults import FaultRule
from woosim.http.control import handle_control
from woosim.http.rest import ApiRequest, ApiResponse, classify, dispatch
from woosim.http.routing import build_router
from woosim.wordpress.shoptime import http_date

if TYPE_CHECKING:
    from woosim.shop import SimulatedShop

Scope = dict[str, Any]
Receive = Any
Send = Any

CAPTCHA_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Just a moment...</title></head>'
    b"<body><h1>Checking your browser before accessing the site.</h1>"
    b'<form id="challenge-form" action="/?__cf_chl_f_tk=woosim" method="POST">'
    b'<div class="captcha">Please complete the security check to continue.</div></form></body></html>'
)
_REASONS = {
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


def html_error(status: int) -> bytes:
    reason = _REASONS.get(status, "Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}"
        f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class ShopApp:
    """The ASGI app of one shop, built by whoever serves it (ShopServer): the shop never builds its own face."""

    def __init__(self, shop: SimulatedShop) -> None:
        self.shop = shop
        self.router = build_router()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await not_a_request(scope, receive, send):
            return
        path = raw_path_of(scope).decode("latin-1")
        if path.startswith("/__woosim"):
            body = await _read_body(receive)
            await handle_control(self.shop, scope, path, body, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        req = ApiRequest(
            scope["method"],
            scope.get("scheme", "http"),
            path,
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
        )
        await self.serve(req, receive, send)

    async def serve(self, req: ApiRequest, receive: Receive, send: Send) -> None:
        shop = self.shop
        kind = classify(self.router, req)
        faults = shop.faults.pick(req.method, unquote(req.raw_path), req.raw_query)
        shop.counts.add(kind)
        if "strip_authorization" in faults:
            req.headers.pop("authorization", None)
        if "hold" in faults:
            await faults["hold"].hold()
        # The shop's latency is its response time: the answer leaves `latency` after the request arrived, its
        # rendering included (as PHP's is on a real shop), so a client's latency bound is reachable. A latency
        # fault's delay comes on top, before the request is served.
        delay = faults["latency"].latency or 0.0 if "latency" in faults else 0.0
        answer_at = asyncio.get_running_loop().time() + shop.latency + delay
        if delay > 0:
            await asyncio.sleep(delay)
        if faults.keys() & {"timeout", "status", "captcha"}:
            await _until(answer_at)
        if "timeout" in faults:
            await _hang(receive, faults["timeout"].latency or 30.0)
            await self._send_plain(send, req, 504, html_error(504), [])
            return
        if "status" in faults:
            rule: FaultRule = faults["status"]
            extra = [("Retry-After", str(rule.retry_after))] if rule.retry_after is not None else []
            await self._send_plain(send, req, rule.status, html_error(rule.status), extra)
            return
        if "captcha" in faults:
            await self._send_plain(send, req, 200, CAPTCHA_PAGE, [])
            return
        page_fault = (
            "shift_pages" if "shift_pages" in faults else ("duplicate_page" if "duplicate_page" in faults else None)
        )
        response = await asyncio.to_thread(dispatch, shop, self.router, req, page_fault)
        await _until(answer_at)
        if response.after is not None:
            await response.after()
        if "truncated_json" in faults and response.body:
            response.body = response.body[: max(1, len(response.body) // 2)]
        await send_response(send, response, req.method)

    async def _send_plain(
        self, send: Send, req: ApiRequest, status: int, body: bytes, extra: list[tuple[str, str]]
    ) -> None:
        headers = [
            ("Server", "nginx"),
            ("Date", http_date(self.shop.clock.time())),
            ("Content-Type", "text/html; charset=UTF-8"),
            *extra,
        ]
        await send_response(send, ApiResponse(status, body, headers), req.method)


async def _until(when: float) -> None:
    remaining = when - asyncio.get_running_loop().time()
    if remaining > 0:
        await asyncio.sleep(remaining)


async def send_response(send: Send, response: ApiResponse, method: str) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _hang(receive: Receive, seconds: float) -> None:
    """Hold the request without answering, until `seconds` pass or the client gives up."""

    async def disconnected() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    try:
        await asyncio.wait_for(disconnected(), timeout=seconds)
    except TimeoutError:
        return


async def not_a_request(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answers the lifespan protocol; True for anything but an HTTP request."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    return bool(scope["type"] != "http")


def raw_path_of(scope: Scope) -> bytes:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return raw_path if isinstance(raw_path, bytes) else str(raw_path).encode("latin-1")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
