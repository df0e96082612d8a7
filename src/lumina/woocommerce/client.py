"""WooClient: the orders part of WooCommerce's REST API v3, for one shop."""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from importlib import metadata
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import httpx
from multidict import CIMultiDictProxy
from yarl import URL

from ._auth import Authenticator, OAuthMethod
from ._connection import check_connection
from ._http import Requester, Response
from ._listing import read_items, read_orders
from ._network import AddressAllowed, GuardedResolver, refused_literal
from ._pagination import paginate
from ._parse import ResponseShapeError
from .config import ClientLimits, RetryPolicy
from .credentials import AuthMode, WooCredentials
from .errors import ShopUnreachableError, WooPermanentError, WooTransientError
from .models import OrderPage, OrderStamp, RequestStats, ShopInfo, StampPage, WooOrder, WooWebhook
from .query import OrderQuery

__all__ = ["API_PREFIX", "WooClient", "normalize_base_url"]

logger = logging.getLogger("lumina.woocommerce")

API_PREFIX = "/wp-json/wc/v3"
STAMP_FIELDS = ("id", "date_modified_gmt", "status")
ItemT = TypeVar("ItemT")
# Listings this large are read (decoded and parsed) in a worker thread, in one hand-off: a page of 100 orders takes a
# millisecond or two, during which the event loop could neither send a request nor read an answer. About 20 orders
# trimmed to the reconciliation's fields.
_READ_OFF_LOOP_BYTES = 16 * 1024
# How long an idle connection is kept for the next request (httpx's default, which the client had before aiohttp).
_KEEPALIVE_SECONDS = 5.0
# The longest header line read: httpx (h11) read a head of up to 16 KiB, so a line that long; aiohttp's default stops
# at 8 KiB, which a host's Content-Security-Policy or cookies can pass.
_HEADER_LINE_BYTES = 16 * 1024


@functools.cache
def _system_trust() -> ssl.SSLContext:
    """The certificate store every client verifies shops with: built once (about 17 ms of CPU), as an SSL context
    can be shared by any number of connections. httpx's, so certifi's roots and SSL_CERT_FILE/SSL_CERT_DIR as
    before the client moved to aiohttp."""
    return httpx.create_ssl_context()


def normalize_base_url(url: str) -> str:
    """The shop's home URL as OAuth signs it: scheme, host, port and any sub-folder; no trailing slash.

    A pasted API URL (".../wp-json" or ".../wp-json/wc/v3") is cut back to the home URL. Plain-permalink URLs
    (`?rest_route=`) are refused: WooCommerce does not authenticate API keys on them.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("the shop URL must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise ValueError("the shop URL must not contain credentials; pass them as WooCredentials")
    if "rest_route" in parts.query:
        raise ValueError(
            "?rest_route= URLs are not supported: WooCommerce only authenticates API keys with pretty "
            "permalinks; enable them in WordPress (Settings → Permalinks) and use the plain shop URL"
        )
    if parts.query or parts.fragment:
        raise ValueError("the shop URL must not have a query string or fragment")
    path = parts.path.rstrip("/")
    for suffix in (API_PREFIX, "/wp-json"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@functools.cache
def _default_user_agent() -> str:
    # Some hosts block the default agents of HTTP libraries (wc-api-python#67), so name ours and not the library.
    # Cached: reading the installed version scans every distribution (about 1.5 ms per client, one per sync run).
    try:
        version = metadata.version("lumina-order-sync")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"Lumina-Order-Sync/{version} (WooCommerce REST client)"


def _header_int(headers: CIMultiDictProxy[str], name: str) -> int | None:
    value = headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _open_session(
    limits: ClientLimits,
    trust: ssl.SSLContext | bool,
    headers: dict[str, str],
    address_allowed: AddressAllowed | None,
    trace_configs: Sequence[aiohttp.TraceConfig],
) -> aiohttp.ClientSession:
    """A client's aiohttp session: a pool of `max_concurrency` connections to the shop, kept 5 s when idle, through
    the guard's resolver when there is a policy; no proxy from the environment, no cookies, no redirects (each
    request says so)."""
    connector = aiohttp.TCPConnector(
        ssl=trust,
        limit=limits.max_concurrency,
        limit_per_host=0,
        keepalive_timeout=_KEEPALIVE_SECONDS,
        resolver=GuardedResolver(address_allowed) if address_allowed is not None else None,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout, sock_read=limits.timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        trace_configs=list(trace_configs) or None,
        max_line_size=_HEADER_LINE_BYTES,
        max_field_size=_HEADER_LINE_BYTES,
    )
    # aiohttp sends a GET, PUT or DELETE again when its connection drops before the answer; a status change sent
    # twice emails the customer twice, so `update_order_status` decides about resending (aiohttp's own test client
    # turns this off through the same attribute).
    session._retry_connection = False
    return session


def _check_id(order_id: int) -> int:
    if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id < 1:
        raise ValueError(f"an order id is a positive integer, not {order_id!r}")
    return order_id


def _shape_error(response: Response, problem: str) -> WooPermanentError:
    return WooPermanentError(
        f"The shop's answer is not what WooCommerce sends: {problem}",
        status=response.status, code="invalid_response", request=response.request,
        hint="A plugin or proxy may be rewriting API answers; check the shop's /wp-json/wc/v3/orders by hand.",
    )  # fmt: skip


class WooClient:
    """An async client for one WooCommerce shop. Use `async with WooClient(...) as client:` or `aclose()`.

    Authentication follows the URL scheme (AuthMode.AUTO: Basic over HTTPS, OAuth 1.0a over HTTP).
    `verify`: True checks the shop's certificate against the system's roots, False not at all, or the SSL context
    to use. `trace_configs` are aiohttp's request hooks (tests see what goes on the wire through them).
    With `address_allowed`, every connection is made only to addresses it accepts, checked when the connection is
    made (see `_network`); a refused one raises ShopAddressRefusedError.
    No redirect is followed, no environment proxy used and no cookie kept.
    """

    def __init__(
        self,
        base_url: str,
        credentials: WooCredentials,
        *,
        auth_mode: AuthMode = AuthMode.AUTO,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        verify: bool | ssl.SSLContext = True,
        limits: ClientLimits | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
        oauth_signature_method: OAuthMethod = "HMAC-SHA256",
        address_allowed: AddressAllowed | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.auth_mode = auth_mode.resolve(urlsplit(self.base_url).scheme)
        self.limits = limits or ClientLimits()
        self.retry = retry or RetryPolicy()
        trust = _system_trust() if verify is True else verify
        headers = {"User-Agent": user_agent or _default_user_agent(), "Accept": "application/json"}
        connect = functools.partial(_open_session, self.limits, trust, headers, address_allowed, trace_configs)
        host = URL(self.base_url).raw_host or ""
        auth = Authenticator(credentials, self.auth_mode, self.base_url, signature_method=oauth_signature_method)
        self._requester = Requester(
            connect, auth, self.limits, self.retry,
            refused=refused_literal(host, address_allowed) if address_allowed is not None else None,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"WooClient({self.base_url!r}, auth_mode={self.auth_mode.value})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._requester.aclose()

    # -- statistics ---------------------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        """Counters since creation or the last reset (a snapshot: later requests do not change it)."""
        return self._requester.counters.snapshot()

    def reset_stats(self) -> RequestStats:
        """Return the counters and start again from zero."""
        counters = self._requester.counters
        snapshot = counters.snapshot()
        counters.reset()
        return snapshot

    # -- orders ---------------------------------------------------------------------------------------------

    async def list_orders(self, query: OrderQuery | None = None) -> OrderPage:
        """One page of orders. With `query.fields`, the fields WooOrder needs are asked for as well."""
        query = query or OrderQuery()
        if query.fields:
            query = query.with_fields((*WooOrder.REQUIRED_FIELDS, *query.fields))
        orders, page = await self._list(query, read_orders)
        return OrderPage(orders=orders, **page)

    async def iter_order_pages(self, query: OrderQuery | None = None) -> AsyncIterator[OrderPage]:
        """Pages of orders from `query.page` to the last, fetched one at a time as the caller iterates."""
        async for page in paginate(self.list_orders, query or OrderQuery()):
            yield page

    async def list_order_stamps(self, query: OrderQuery | None = None, extra_fields: Sequence[str] = ()) -> StampPage:
        """One page of (id, date_modified, status) and `extra_fields`: a cheap reconciliation listing."""
        query = (query or OrderQuery()).with_fields((*STAMP_FIELDS, *extra_fields))
        stamps, page = await self._list(query, functools.partial(read_items, OrderStamp.from_json))
        return StampPage(stamps=stamps, **page)

    async def iter_order_stamps(
        self, query: OrderQuery | None = None, extra_fields: Sequence[str] = ()
    ) -> AsyncIterator[StampPage]:
        """Pages of order stamps, streamed like `iter_order_pages`."""

        async def fetch(q: OrderQuery) -> StampPage:
            return await self.list_order_stamps(q, extra_fields)

        async for page in paginate(fetch, query or OrderQuery()):
            yield page

    async def get_order(self, order_id: int) -> WooOrder:
        """One order, trashed ones included (status "trash"); WooNotFoundError when it does not exist."""
        response = await self._requester.send("GET", f"{API_PREFIX}/orders/{_check_id(order_id)}")
        return self._one_order(response)

    async def update_order_status(self, order_id: int, status: str) -> WooOrder:
        """Set an order's status (PUT with only `status`) and return the order as the shop saved it.

        A PUT that failed transiently may still have been applied (wc-api-python#61), and a repeated status
        change sends customer emails again: so before any retry the order is re-read, and if it already
        has the status, that is the answer.
        """
        _check_id(order_id)
        status = status.strip()
        if not status:
            raise ValueError("status must not be empty")
        path = f"{API_PREFIX}/orders/{order_id}"
        tries = self.retry.attempts
        for attempt in range(1, tries + 1):
            try:
                response = await self._requester.send_once("PUT", path, json_body={"status": status})
            except WooTransientError as error:
                # No connection means the request never reached the shop; anything else might have.
                if attempt < tries and not isinstance(error, ShopUnreachableError):
                    current = await self.get_order(order_id)
                    if current.status == status:
                        logger.info(
                            "%s failed (%s) but the order already has status %r: not sending it again",
                            error.request, error.message, status,
                        )  # fmt: skip
                        return current
                await self._requester.backoff(error, attempt, tries)
                continue
            return self._one_order(response)
        raise AssertionError("unreachable: backoff raises on the last attempt")  # pragma: no cover

    async def add_order_note(self, order_id: int, note: str, *, customer_note: bool = False) -> int | None:
        """Add a note to an order (private unless `customer_note`, which emails the customer); the note's id.

        Sent once: a POST that failed midway may have been applied, and a second try would add the note twice."""
        if not note.strip():
            raise ValueError("a note must not be empty")
        response = await self._requester.send_once(
            "POST", f"{API_PREFIX}/orders/{_check_id(order_id)}/notes",
            json_body={"note": note, "customer_note": customer_note},
        )  # fmt: skip
        note_id = response.data.get("id") if isinstance(response.data, dict) else None
        return note_id if isinstance(note_id, int) and not isinstance(note_id, bool) else None

    async def check_connection(self, *, require_write: bool = False, require_modified_after: bool = True) -> ShopInfo:
        """Check the URL, the key and its permissions, and what the shop supports; for adding a shop.

        Raises ShopUnreachableError, NotWooCommerceError, ShopTooOldError (no REST v3, or no
        `modified_after` when `require_modified_after`), or WooAuthError (bad key; a read-only key when
        `require_write`), each with a message saying what is wrong. Changes no data.
        """
        return await check_connection(
            self._requester,
            auth_mode=self.auth_mode,
            require_write=require_write,
            require_modified_after=require_modified_after,
        )

    # -- webhooks -------------------------------------------------------------------------------------------

    async def list_webhooks(self) -> list[WooWebhook]:
        """Every webhook of the shop (all statuses), page by page."""
        hooks: list[WooWebhook] = []
        page = 1
        while True:
            params = [("per_page", "100"), ("page", str(page)), ("status", "all")]
            response = await self._requester.send("GET", f"{API_PREFIX}/webhooks", params)
            if not isinstance(response.data, list):
                raise _shape_error(response, "the webhook listing is not a JSON array")
            hooks.extend(self._webhook(response, item) for item in response.data)
            if len(response.data) < 100:
                return hooks
            page += 1

    async def create_webhook(self, *, name: str, topic: str, delivery_url: str, secret: str) -> WooWebhook:
        """Register a webhook; the shop pings `delivery_url` before it answers."""
        body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret, "status": "active"}
        response = await self._requester.send_once("POST", f"{API_PREFIX}/webhooks", json_body=body)
        return self._webhook(response, response.data)

    async def update_webhook(self, webhook_id: int, **fields: str) -> WooWebhook:
        """Change a webhook's status, secret or delivery URL (`status="active"` re-activates a disabled one)."""
        path = f"{API_PREFIX}/webhooks/{_check_id(webhook_id)}"
        response = await self._requester.send("PUT", path, json_body=fields)
        return self._webhook(response, response.data)

    async def delete_webhook(self, webhook_id: int) -> None:
        """Remove a webhook for good (webhooks have no trash); WooNotFoundError when it is already gone."""
        path = f"{API_PREFIX}/webhooks/{_check_id(webhook_id)}"
        await self._requester.send("DELETE", path, [("force", "true")])

    # -- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _webhook(response: Response, data: object) -> WooWebhook:
        try:
            return WooWebhook.from_json(data)
        except ResponseShapeError as exc:
            raise _shape_error(response, str(exc)) from None

    async def _list(
        self, query: OrderQuery, read: Callable[[bytes], list[ItemT] | str]
    ) -> tuple[list[ItemT], dict[str, Any]]:
        """One listing page: its items as `read` parses them (`_listing`), and the page facts OrderPage and
        StampPage share."""
        page: dict[str, Any] = {
            "page": query.page,
            "per_page": query.per_page,
            "total": None,
            "total_pages": None,
            "shop_time": None,
        }
        if query.include is not None and not query.include:
            return [], page  # WooCommerce reads an empty `include` as "no filter" and would list every order
        response = await self._requester.send(
            "GET", f"{API_PREFIX}/orders", query.to_params(), read=read, off_loop_bytes=_READ_OFF_LOOP_BYTES
        )
        if isinstance(response.data, str):
            raise _shape_error(response, response.data)
        self._requester.counters.pages += 1
        items: list[ItemT] = response.data
        page["shop_time"] = response.shop_time
        if items:  # a page past the end answers `X-WP-Total: 0`: totals are only believed on a page with orders
            page["total"] = _header_int(response.headers, "x-wp-total")
            page["total_pages"] = _header_int(response.headers, "x-wp-totalpages")
        return items, page

    @staticmethod
    def _one_order(response: Response) -> WooOrder:
        try:
            return WooOrder.from_json(response.data)
        except ResponseShapeError as exc:
            raise _shape_error(response, str(exc)) from None
