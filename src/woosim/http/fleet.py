"""The ASGI app of a fleet: `/shop/N/...` is shop N's own app (its REST API and its /__woosim/ control API), seen
from below its prefix as a WordPress site in a subdirectory sees its requests."""

from __future__ import annotations

import asyncio
import re

from woosim.fleet import PREFIX, Fleet
from woosim.http.app import Receive, Scope, Send, ShopApp, html_error, not_a_request, raw_path_of, send_response
from woosim.http.rest import ApiResponse

_SHOP_PATH = re.compile(rb"^" + re.escape(PREFIX.encode()) + rb"([1-9][0-9]{0,8})(/.*)?$", re.DOTALL)


class FleetApp:
    """Routes each request to its shop's ShopApp, built (with the shop) on the shop's first request."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self._apps: dict[int, ShopApp] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await not_a_request(scope, receive, send):
            return
        match = _SHOP_PATH.match(raw_path_of(scope))
        number = int(match.group(1)) if match else 0
        if match is None or number > self.fleet.count:
            headers = [("Server", "nginx"), ("Content-Type", "text/html; charset=UTF-8")]
            await send_response(send, ApiResponse(404, html_error(404), headers), scope["method"])
            return
        app = self._apps.get(number)
        if app is None:
            # Generating a shop's orders takes milliseconds to seconds: not on the loop that holds other answers.
            shop = await asyncio.to_thread(self.fleet.shop, number)
            app = self._apps.setdefault(number, ShopApp(shop))
        prefix = PREFIX + str(number)
        below = match.group(2) or b"/"
        path = scope["path"][len(prefix) :] if scope["path"].startswith(prefix) else below.decode("latin-1")
        await app({**scope, "raw_path": below, "path": path or "/"}, receive, send)
