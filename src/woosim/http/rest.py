"""The WordPress REST front door: routing, authentication, parameter validation order, headers.

Framework-free and synchronous: `dispatch` turns an `ApiRequest` into an `ApiResponse`. The ASGI layer adds
latency and faults around it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from woosim.config import ApiKey
from woosim.data.recorded import encoded, endpoint_args, route_table
from woosim.wordpress import phpjson
from woosim.wordpress.auth import Authenticator, AuthRequest
from woosim.wordpress.errors import WooError, no_route
from woosim.wordpress.phpquery import PhpArray, parse_query
from woosim.wordpress.shoptime import http_date
from woosim.wordpress.wpschema import validate_args

if TYPE_CHECKING:
    from woosim.shop import SimulatedShop

JSON_TYPE = "application/json; charset=UTF-8"
_COMMON = [
    ("X-Content-Type-Options", "nosniff"),
    ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
    ("Access-Control-Allow-Headers", "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type"),
]
_NOCACHE = [
    ("Expires", "Wed, 11 Jan 1984 05:00:00 GMT"),
    ("Cache-Control", "no-cache, must-revalidate, max-age=0, no-store, private"),
]


@dataclass
class ApiRequest:
    method: str
    scheme: str
    raw_path: str  # as sent, percent-encoding kept
    raw_query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def request_uri(self) -> str:
        return self.raw_path + (f"?{self.raw_query}" if self.raw_query else "")


@dataclass
class ApiResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    after: Callable[[], Awaitable[None]] | None = None


@dataclass
class Result:
    """What a route handler returns; the dispatcher adds the headers."""

    data: Any
    status: int = 200
    total: int | None = None
    total_pages: int | None = None
    link: str | None = None  # pagination links; replaces the api.w.org link
    location: str | None = None
    after: Callable[[], Awaitable[None]] | None = None
    raw: bytes | None = None  # pre-encoded body


Handler = Callable[["Ctx"], Result]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    table_key: str  # the route's key in the namespace index (argument schemas, Allow)
    handlers: dict[str, Handler]
    kinds: dict[str, str]
    public: bool = False  # no permission callback (the index, the site root)


class Ctx:
    """One request as a handler sees it: parameters in WordPress' precedence, the logged-in key, URLs."""

    def __init__(
        self,
        shop: SimulatedShop,
        req: ApiRequest,
        *,
        route: Route,
        url: dict[str, str],
        key: ApiKey | None,
        page_fault: str | None,
    ) -> None:
        self.shop = shop
        self.req = req
        self.route = route
        self.url = url
        self.key = key
        self.page_fault = page_fault
        self.query: PhpArray = parse_query(req.raw_query)
        self.form: PhpArray = _form_of(req)
        self.json: Any = None
        content_type = _content_type(req)
        if (req.body and content_type in ("application/json", "text/json")) or content_type.endswith("+json"):
            try:
                self.json = json.loads(req.body)
            except ValueError as exc:
                raise WooError(
                    400,
                    "rest_invalid_json",
                    "Invalid JSON body passed.",
                    {"status": 400, "json_error_code": 4, "json_error_message": "Syntax error"},
                ) from exc
        self.now = shop.clock.epoch()
        self.home = with_scheme(shop.home_url, req.scheme)
        self.rest_root = self.home + "/wp-json"

    def values(self) -> dict[str, Any]:
        """Every parameter, the first source winning: JSON body, form body, query, URL."""
        merged: dict[str, Any] = {}
        if self.req.method not in ("GET", "HEAD"):
            if isinstance(self.json, dict):
                merged.update(self.json)
            for k, v in self.form.items():
                merged.setdefault(k, v)
        for k, v in self.query.items():
            merged.setdefault(k, v)
        for k, v in self.url.items():
            merged.setdefault(k, v)
        return merged

    def validate(self) -> dict[str, Any]:
        values = self.values()
        validate_args(endpoint_args(self.route.table_key, self.req.method, self.shop.config.wc_version), values)
        return values

    def require_login(self, code: str, message: str) -> None:
        if self.key is None:
            raise WooError(401, code, message)

    def local(self, epoch: int) -> str:
        return self.shop.time.local(epoch)

    def gmt(self, epoch: int) -> str:
        return self.shop.time.gmt(epoch)


def with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def match(self, route_path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(route_path)
            if found:
                return route, found.groupdict()
        return None


def route_path_of(req: ApiRequest, query: PhpArray) -> str | None:
    """The REST route a URL addresses (/wp-json/... or ?rest_route=...), None for a non-REST URL."""
    path = unquote(req.raw_path)
    if path == "/wp-json" or path.startswith("/wp-json/"):
        route = path[len("/wp-json") :]
    elif path in ("", "/") and isinstance(query.get("rest_route"), str):
        route = str(query["rest_route"])
    else:
        return None
    route = route.rstrip("/")
    return route or "/"


def classify(router: Router, req: ApiRequest) -> str:
    """The request-count kind of a request, decided before anything else happens to it."""
    route_path = route_path_of(req, parse_query(req.raw_query))
    if route_path is None:
        return "other"
    matched = router.match(route_path)
    if matched is None:
        return "other"
    route, _url = matched
    method = "GET" if req.method == "HEAD" else req.method
    return route.kinds.get(method, route.kinds.get("*", "other"))


def dispatch(shop: SimulatedShop, router: Router, req: ApiRequest, page_fault: str | None = None) -> ApiResponse:
    query = parse_query(req.raw_query)
    route_path = route_path_of(req, query)
    if route_path is None:
        return _html_404(shop)
    matched = router.match(route_path)
    auth = shop.auth.authenticate(
        AuthRequest(
            req.method,
            req.scheme,
            req.raw_path,
            req.request_uri,
            query,
            _form_of(req),
            req.headers.get("authorization"),
        ),
        shop.clock.time(),
    )
    rest_root = with_scheme(shop.home_url, req.scheme) + "/wp-json"
    if auth.error is not None:
        return _error(shop, req, auth.error, rest_root, logged_in=False, allow=None)
    if auth.key is not None:
        refused = Authenticator.method_allowed(auth.key, req.method)
        if refused is not None:
            return _error(shop, req, refused, rest_root, logged_in=True, allow=None)
    logged_in = auth.key is not None
    if matched is None:
        return _error(shop, req, no_route(), rest_root, logged_in=logged_in, allow=None)
    route, url = matched
    allow = _allow(route, logged_in)
    if req.method == "OPTIONS":
        return _finish(
            shop,
            req,
            _options(shop, route, rest_root),
            rest_root=rest_root,
            logged_in=logged_in,
            allow=allow,
        )
    handler = route.handlers.get("GET" if req.method == "HEAD" else req.method)
    if handler is None:
        return _error(shop, req, no_route(), rest_root, logged_in=logged_in, allow=None)
    # One request at a time touches the orders, and its body is encoded before anyone changes them again.
    with shop.lock:
        try:
            ctx = Ctx(shop, req, route=route, url=url, key=auth.key, page_fault=page_fault)
            result = handler(ctx)
        except WooError as error:
            return _error(shop, req, error, rest_root, logged_in=logged_in, allow=allow)
        return _finish(shop, req, result, rest_root=rest_root, logged_in=logged_in, allow=allow)


def _content_type(req: ApiRequest) -> str:
    return req.headers.get("content-type", "").split(";")[0].strip().lower()


def _form_of(req: ApiRequest) -> PhpArray:
    if req.body and _content_type(req) == "application/x-www-form-urlencoded":
        return parse_query(req.body.decode("utf-8", "replace"))
    return {}


def _allow(route: Route, logged_in: bool) -> str | None:
    if not logged_in and not route.public:
        return None
    entry = route_table().get(route.table_key)
    methods = entry["methods"] if entry else sorted(route.handlers)
    return ", ".join(methods)


def _options(shop: SimulatedShop, route: Route, rest_root: str) -> Result:
    if route.table_key == "/wc/v3/orders":
        home = rest_root[: -len("/wp-json")]
        return Result(None, raw=encoded("wc_v3_orders_options.json.gz", home, shop.config.wc_version))
    entry = dict(route_table().get(route.table_key) or {"namespace": "", "methods": ["GET"], "endpoints": []})
    entry.pop("_links", None)
    return Result(entry)


def _error(
    shop: SimulatedShop,
    req: ApiRequest,
    error: WooError,
    rest_root: str,
    *,
    logged_in: bool,
    allow: str | None,
) -> ApiResponse:
    result = Result(error.body(), status=error.status)
    return _finish(shop, req, result, rest_root=rest_root, logged_in=logged_in, allow=allow)


def _finish(
    shop: SimulatedShop,
    req: ApiRequest,
    result: Result,
    *,
    rest_root: str,
    logged_in: bool,
    allow: str | None,
) -> ApiResponse:
    body = result.raw if result.raw is not None else phpjson.dumps(result.data)
    headers: list[tuple[str, str]] = [
        ("Server", "woosim"),
        ("Date", http_date(shop.clock.time())),
        ("Content-Type", JSON_TYPE),
        ("X-Robots-Tag", "noindex"),
    ]
    if result.link is None:
        headers.append(("Link", f'<{rest_root}/>; rel="https://api.w.org/"'))
    headers.extend(_COMMON)
    if result.total is not None:
        headers.append(("X-WP-Total", str(result.total)))
        headers.append(("X-WP-TotalPages", str(result.total_pages or 0)))
    if result.link is not None:
        headers.append(("Link", result.link))
    if result.location is not None:
        headers.append(("Location", result.location))
    if allow:
        headers.append(("Allow", allow))
    if logged_in:
        headers.extend(_NOCACHE)
    elif req.method == "GET":
        headers.append(("Vary", "Origin"))
    if req.method == "HEAD":
        body = b""
    return ApiResponse(result.status, body, headers, result.after)


def _html_404(shop: SimulatedShop) -> ApiResponse:
    body = b"<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Not Found</h1></body></html>"
    headers = [
        ("Server", "woosim"),
        ("Date", http_date(shop.clock.time())),
        ("Content-Type", "text/html; charset=UTF-8"),
    ]
    return ApiResponse(404, body, headers)
