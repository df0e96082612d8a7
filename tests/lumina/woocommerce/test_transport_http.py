"""What goes on the wire, seen through the injectable transport (httpx's real network transport, wrapped)."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import httpx

from lumina.woocommerce import ClientLimits, OrderQuery, WooClient
from woosim import ShopServer, SimulatedShop

from .conftest import FAST_RETRY, credentials


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends over the network as usual and remembers each request and the most requests in flight at once."""

    def __init__(self, server: ShopServer) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=server.ssl_context_for_clients())
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def _client(server: ShopServer, shop: SimulatedShop, transport: RecordingTransport, **kwargs: object) -> WooClient:
    limits = kwargs.pop("limits", ClientLimits(requests_per_second=None))
    return WooClient(server.base_url, credentials(shop.read_write_key), transport=transport, retry=FAST_RETRY,
                     limits=limits, **kwargs)  # type: ignore[arg-type]  # fmt: skip


async def test_an_explicit_user_agent_and_json_accept(server: ShopServer, shop: SimulatedShop) -> None:
    transport = RecordingTransport(server)
    async with _client(server, shop, transport) as woo:
        await woo.list_orders(OrderQuery(per_page=1))
    async with _client(server, shop, transport, user_agent="FamilyHub/2.0 (+ops@example.org)") as woo:
        await woo.list_orders(OrderQuery(per_page=1))
    first, second = transport.requests
    assert first.headers["user-agent"].startswith("Lumina-Order-Sync/")
    assert "python" not in first.headers["user-agent"].lower()
    assert second.headers["user-agent"] == "FamilyHub/2.0 (+ops@example.org)"
    assert first.headers["accept"] == "application/json"


async def test_every_page_is_signed_afresh_never_from_the_link_header(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    transport = RecordingTransport(http_server)
    async with _client(http_server, shop, transport) as woo:
        pages = [p async for p in woo.iter_order_pages(OrderQuery(per_page=10, statuses=("processing", "completed")))]
    assert len(pages) > 1
    queries = [dict(parse_qsl(r.url.query.decode())) for r in transport.requests]
    assert [q["page"] for q in queries] == [str(n) for n in range(1, len(pages) + 1)]
    assert len({q["oauth_nonce"] for q in queries}) == len(queries)
    assert all(q["status"] == "processing,completed" for q in queries)
    assert not any("context" in q or "dp" in q or "status[0]" in q for q in queries)  # Link-only parameters
    assert all("authorization" not in r.headers for r in transport.requests)


async def test_concurrency_is_bounded(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.set_latency(0.02)
    transport = RecordingTransport(http_server)
    async with _client(
        http_server, shop, transport, limits=ClientLimits(max_concurrency=2, requests_per_second=None)
    ) as woo:
        ids = [o.id for o in (await woo.list_orders(OrderQuery(per_page=10))).orders]
        orders = await asyncio.gather(*(woo.get_order(i) for i in ids))
    assert [o.id for o in orders] == ids
    assert transport.most_in_flight == 2
