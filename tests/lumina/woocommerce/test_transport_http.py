"""What goes on the wire, seen through aiohttp's request hooks (the client's real connections, only watched)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from urllib.parse import parse_qsl

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from lumina.woocommerce import AuthMode, ClientLimits, OrderQuery, WooClient
from woosim import ShopServer, SimulatedShop

from .conftest import FAST_RETRY, credentials


class Recorder:
    """Remembers each request as sent (URL and headers), the most requests in flight at once and the connections
    opened."""

    def __init__(self) -> None:
        self.sent: list[tuple[URL, CIMultiDict[str]]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.connections = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._connected)
        self.trace.on_request_start.append(self._start)
        self.trace.on_request_headers_sent.append(self._headers_sent)
        self.trace.on_request_end.append(self._end)
        self.trace.on_request_exception.append(self._end)

    async def _start(self, _session: object, _context: SimpleNamespace, _params: object) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)

    async def _headers_sent(
        self, _session: object, _context: SimpleNamespace, params: aiohttp.TraceRequestHeadersSentParams
    ) -> None:
        self.sent.append((params.url, params.headers))

    async def _connected(self, _session: object, _context: SimpleNamespace, _params: object) -> None:
        self.connections += 1

    async def _end(self, _session: object, _context: SimpleNamespace, _params: object) -> None:
        self.in_flight -= 1


def _client(server: ShopServer, shop: SimulatedShop, recorder: Recorder, **kwargs: object) -> WooClient:
    limits = kwargs.pop("limits", ClientLimits(requests_per_second=None))
    return WooClient(server.base_url, credentials(shop.read_write_key), trace_configs=[recorder.trace],
                     verify=server.ssl_context_for_clients(), retry=FAST_RETRY, limits=limits,
                     **kwargs)  # type: ignore[arg-type]  # fmt: skip


async def test_an_explicit_user_agent_and_json_accept(server: ShopServer, shop: SimulatedShop) -> None:
    recorder = Recorder()
    async with _client(server, shop, recorder) as woo:
        await woo.list_orders(OrderQuery(per_page=1))
    async with _client(server, shop, recorder, user_agent="FamilyHub/2.0 (+ops@example.org)") as woo:
        await woo.list_orders(OrderQuery(per_page=1))
    (_, first), (_, second) = recorder.sent
    assert first["user-agent"].startswith("Lumina-Order-Sync/")
    assert "python" not in first["user-agent"].lower()
    assert "aiohttp" not in first["user-agent"].lower()
    assert second["user-agent"] == "FamilyHub/2.0 (+ops@example.org)"
    assert first["accept"] == "application/json"


async def test_a_body_is_json(http_server: ShopServer, shop: SimulatedShop) -> None:
    recorder = Recorder()
    async with _client(http_server, shop, recorder) as woo:
        order = (await woo.list_orders(OrderQuery(per_page=1))).orders[0]
        note_id = await woo.add_order_note(order.id, "Packed — ready")
    (_, listing), (_, note) = recorder.sent
    assert note["content-type"] == "application/json"
    assert "content-type" not in listing
    assert isinstance(note_id, int)  # the shop read the note


async def test_every_page_is_signed_afresh_never_from_the_link_header(
    http_server: ShopServer, shop: SimulatedShop
) -> None:
    recorder = Recorder()
    async with _client(http_server, shop, recorder) as woo:
        pages = [p async for p in woo.iter_order_pages(OrderQuery(per_page=10, statuses=("processing", "completed")))]
    assert len(pages) > 1
    queries = [dict(parse_qsl(url.raw_query_string)) for url, _ in recorder.sent]
    assert [q["page"] for q in queries] == [str(n) for n in range(1, len(pages) + 1)]
    assert len({q["oauth_nonce"] for q in queries}) == len(queries)
    assert all(q["status"] == "processing,completed" for q in queries)
    assert not any("context" in q or "dp" in q or "status[0]" in q for q in queries)  # Link-only parameters
    assert all("authorization" not in headers for _, headers in recorder.sent)


async def test_the_signed_query_goes_out_byte_for_byte(http_server: ShopServer, shop: SimulatedShop) -> None:
    """Characters a URL library would re-quote (%2C back to a comma, a literal `%2C` in a value, `+`, spaces as
    %20) are sent exactly as signed, and the shop accepts the signature."""
    recorder = Recorder()
    search = "a b+c%2C,d"
    async with _client(http_server, shop, recorder, auth_mode=AuthMode.OAUTH1) as woo:
        page = await woo.list_order_stamps(OrderQuery(per_page=5, search=search), extra_fields=("number",))
    assert page.stamps == []  # answered (a refused signature raises), and nothing matches the search
    ((url, _),) = recorder.sent
    assert "_fields=id%2Cdate_modified_gmt%2Cstatus%2Cnumber&" in url.raw_query_string
    assert "search=a%20b%2Bc%252C%2Cd&" in url.raw_query_string
    assert dict(parse_qsl(url.raw_query_string))["search"] == search


async def test_concurrency_is_bounded(http_server: ShopServer, shop: SimulatedShop) -> None:
    shop.set_latency(0.02)
    recorder = Recorder()
    async with _client(
        http_server, shop, recorder, limits=ClientLimits(max_concurrency=2, requests_per_second=None)
    ) as woo:
        ids = [o.id for o in (await woo.list_orders(OrderQuery(per_page=10))).orders]
        orders = await asyncio.gather(*(woo.get_order(i) for i in ids))
    assert [o.id for o in orders] == ids
    assert recorder.most_in_flight == 2
    assert recorder.connections == 2  # the pool's, kept alive between requests
