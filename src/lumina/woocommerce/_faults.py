"""Sorting failures into transient and permanent, with WooCommerce's own code and a hint a person can act on."""

from __future__ import annotations

import html
import json
import re
import socket
import ssl
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from ._network import AddressRefusedError
from ._parse import http_date
from ._redact import redact_credentials
from .credentials import AuthMode
from .errors import (
    ShopAddressRefusedError,
    ShopUnreachableError,
    WooAuthError,
    WooError,
    WooNotFoundError,
    WooPermanentError,
    WooTransientError,
)

__all__ = [
    "decode_json",
    "error_from_response",
    "error_from_transport",
    "is_lasting_connect_failure",
    "non_json_error",
    "parse_retry_after",
]

# 500 is here only for bodies without a WooCommerce error code (a PHP fatal, "Error establishing a database
# connection"); a 500 carrying a code is WooCommerce refusing on purpose. 520-524 are Cloudflare's.
_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_TAG = re.compile(r"<[^>]+>")
# WooCommerce's codes look like this; anything else in `code` (an echo, a sentence) is not kept as a code.
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
Scrub = Callable[[str], str]
_SETTINGS = "WooCommerce → Settings → Advanced → REST API"


def decode_json(content: bytes) -> Any:
    """The JSON of a body; raises ValueError for HTML, truncated or otherwise broken bodies.

    orjson decodes a page of 100 orders about five times faster than the standard library, which is a good part of
    a backfill's CPU. PHP's integers fit in 64 bits, so its one lossy case (wider integers become floats) cannot
    come from WooCommerce. What orjson refuses but the standard library reads (a byte order mark, NaN, a lone
    surrogate escape) is read by the latter, so the two accept the same bodies."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    text = content.decode("utf-8-sig", errors="strict").strip()
    if not text:
        raise ValueError("empty body")
    return json.loads(text)


def _clean(message: object, scrub: Scrub, limit: int = 300) -> str:
    """WooCommerce messages may hold HTML; keep the words, drop the markup, mask credentials, cap the length.

    Masking comes after unescaping (`&quot;` would hide where a quoted secret ends) and before the cut (which
    could leave a part of a secret the masks no longer recognise)."""
    text = html.unescape(_TAG.sub("", str(message))).strip()
    text = scrub(re.sub(r"\s+", " ", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_body(content: bytes, scrub: Scrub) -> tuple[str | None, str | None, Any]:
    """(code, message, data) of a WooCommerce error body; tolerant of `"data": 500`, HTML and garbage."""
    try:
        body = decode_json(content)
    except (ValueError, UnicodeDecodeError):
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    code = body.get("code")
    message = body.get("message")
    return (
        str(code) if isinstance(code, str | int) and _CODE.fullmatch(str(code)) else None,
        _clean(message, scrub) if message else None,
        body.get("data"),
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = http_date(value)
    if when is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _param_problems(data: Any, scrub: Scrub) -> tuple[str, str]:
    """What the shop said of each invalid parameter, and the names of those that look like parameter names."""
    if not (isinstance(data, dict) and isinstance(data.get("params"), dict)):
        return "", ""
    params: dict[Any, Any] = data["params"]
    said = "; ".join(f"{_clean(k, scrub, 60)}: {_clean(v, scrub, 160)}" for k, v in params.items())
    return said, ", ".join(str(k) for k in params if _CODE.fullmatch(str(k)) and scrub(str(k)) == str(k))


def _auth_hint(status: int, code: str | None, message: str, mode: AuthMode) -> str:
    text = message.lower()
    if "write permission" in text:
        return (
            f"The API key is read-only. In {_SETTINGS}, edit the key and give it Read/Write permission "
            "(or create a new Read/Write key)."
        )
    if "consumer secret is invalid" in text:
        return f"The consumer secret does not belong to this key: copy both again from {_SETTINGS}."
    if "consumer key is invalid" in text:
        return f"The shop does not know this consumer key: check it, or create a new key in {_SETTINGS}."
    if "timestamp" in text:
        return "The shop refused the OAuth timestamp: this machine's clock and the shop's differ by minutes."
    if "signature" in text:
        return (
            "The shop refused the OAuth signature: the shop URL must be exactly WordPress' home URL "
            "(same scheme, host and port, no trailing slash, no /wp-json), and the secret must be right."
        )
    if "nonce" in text:
        return "The shop saw this OAuth nonce already; a proxy may be replaying requests."
    if status == 403:
        return (
            "The key is valid but its WordPress user may not do this: the key's owner needs the "
            "Administrator or Shop Manager role."
        )
    if mode is AuthMode.BASIC:
        return (
            "Either the shop does not know this key, or the host strips the Authorization header before "
            "WordPress sees it (common with Apache/CGI setups): check the key, then try query-string "
            "authentication (AuthMode.QUERY)."
        )
    if mode is AuthMode.OAUTH1_HEADER:
        return "The host may strip the Authorization header: try AuthMode.OAUTH1 (signature in the query)."
    if code == "woocommerce_rest_cannot_view":
        return (
            "The shop did not accept any credentials: check the key, and that the shop URL is WordPress' home "
            "URL with pretty permalinks enabled (key authentication fails on ?rest_route= URLs)."
        )
    return f"Check the consumer key and secret in {_SETTINGS}."


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _redirect_target(location: str) -> str:
    """ " to scheme://host" of a Location header, or "" when it names no host (a relative or broken one)."""
    try:
        target = urlsplit(location)
        host = target.hostname
    except ValueError:
        return ""
    return f" to {target.scheme}://{host}" if host else ""


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    request: str,
    mode: AuthMode,
    *,
    scrub: Scrub = redact_credentials,
) -> WooError:
    """The error for a non-2xx answer (3xx included: redirects are never followed).

    This is where the shop's text enters errors, so `scrub` (the request's credentials, see `_redact.Scrubber`)
    is applied here; the hint and `reason` are the client's own words. `headers` is case-insensitive (the answer's
    CIMultiDictProxy)."""
    code, message, data = _error_body(content, scrub)
    woo_message = message or f"HTTP {status} {_reason_phrase(status)}".strip()
    if status in _TRANSIENT_STATUSES and not (status == 500 and code):
        retry_after = parse_retry_after(headers.get("retry-after"))
        return WooTransientError(
            f"The shop is busy or failing: {woo_message}", reason="The shop is busy or failing",
            status=status, code=code, request=request, retry_after=retry_after,
            hint="This usually passes; if it persists, the host or its firewall may be limiting this client.",
        )  # fmt: skip
    if 300 <= status < 400:
        where = _redirect_target(headers.get("location", ""))
        return WooPermanentError(
            f"The shop redirected the request{where}",
            status=status, code="redirect", request=request,
            hint="Use the address the shop redirects to as the shop URL (https, www or not): redirects are "
            "not followed because they would break the signature and may leak credentials.",
        )  # fmt: skip
    if status in (401, 403):
        return WooAuthError(
            f"The shop refused the credentials: {woo_message}", reason="The shop refused the credentials",
            status=status, code=code, request=request, hint=_auth_hint(status, code, woo_message, mode),
        )  # fmt: skip
    if status == 404 or (code or "").endswith("_invalid_id"):
        if code == "rest_no_route" or code is None:
            hint = (
                "No such route on this shop: check that WooCommerce is active, that the shop URL is "
                "WordPress' home URL, and that pretty permalinks are on (Settings → Permalinks)."
            )
        else:
            hint = "The order does not exist (deleted for good, or never an order id)."
        return WooNotFoundError(
            f"Not found: {woo_message}", reason="Not found", status=status, code=code, request=request, hint=hint
        )
    if status == 400:
        problems, names = _param_problems(data, scrub)
        return WooPermanentError(
            f"The shop rejected the request: {woo_message}" + (f" ({problems})" if problems else ""),
            reason="The shop rejected the request", status=status, code=code, request=request,
            hint=f"Invalid parameters: {names}." if names else "The request was invalid for this shop.",
        )  # fmt: skip
    return WooPermanentError(
        f"The shop refused the request: {woo_message}", reason="The shop refused the request",
        status=status, code=code, request=request,
        hint="This is WooCommerce's own answer; retrying unchanged will not help.",
    )  # fmt: skip


# OpenSSL's reasons for a TLS handshake answered in plain HTTP: https:// to a port that serves http://.
_PLAIN_HTTP_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
)
# getaddrinfo's answers for a name that does not exist (a temporary DNS failure is retried like any other).
_NO_SUCH_NAME = frozenset(getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name))
_LASTING = ("The shop's TLS certificate", "The shop answered in plain HTTP", "The shop's host name")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _connect_error(exc: aiohttp.ClientConnectorError, request: str) -> ShopUnreachableError:
    host = exc.host
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLError) and getattr(cause, "reason", None) in _PLAIN_HTTP_REASONS:
            return ShopUnreachableError(
                "The shop answered in plain HTTP, not TLS", request=request,
                hint="The shop URL says https:// but this port serves http://: use http:// in the URL "
                "(WC_STORE_URL for the default shop), or the port where the shop serves HTTPS.",
            )  # fmt: skip
        if isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_NAME:
            return ShopUnreachableError(
                f"The shop's host name {host!r} does not resolve", request=request,
                hint="Check the host name in the shop URL (WC_STORE_URL for the default shop).",
            )  # fmt: skip
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return ShopUnreachableError(
            "The shop's TLS certificate was not accepted", request=request,
            hint="The certificate is expired, self-signed or for another name; fix it on the shop or "
            "configure the certificate authority to trust.",
        )  # fmt: skip
    return ShopUnreachableError(
        "Could not connect to the shop", request=request,
        hint="Check the shop URL (name, port) and that the shop is online.",
    )  # fmt: skip


def error_from_transport(exc: Exception, request: str, timeout: float) -> WooError:
    """The error for a request that got no HTTP answer: aiohttp's error (or a timeout), or the guard's refusal.
    The exception's text is never copied: aiohttp's may hold the URL, and with it the credentials."""
    refused = next((cause for cause in _causes(exc) if isinstance(cause, AddressRefusedError)), None)
    if refused is not None:  # raised by the guard's resolver, under aiohttp's connection error
        return ShopAddressRefusedError(
            f"The shop's address {refused.host} resolves to {', '.join(refused.refused)}, a private, loopback or "
            "link-local address: not connecting", request=request, code="private_address",
            hint="The name may have been re-pointed since the shop was added (DNS rebinding). If the shop really "
            "is on a private network, allow private shop addresses for it.",
        )  # fmt: skip
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ShopUnreachableError(
            "The shop did not accept a connection in time", request=request,
            hint="Check the shop URL and that the shop is online.",
        )  # fmt: skip
    if isinstance(exc, TimeoutError):
        return WooTransientError(
            f"The shop did not answer within {timeout:g} s", request=request,
            hint="The shop is slow; raise ClientLimits.timeout or ask for fewer orders per page.",
        )  # fmt: skip
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _connect_error(exc, request)
    return WooTransientError(
        f"The connection to the shop failed mid-request ({type(exc).__name__})", request=request,
        hint="This usually passes; a proxy or the shop may have dropped the connection.",
    )  # fmt: skip


def is_lasting_connect_failure(error: WooError) -> bool:
    """A failure that retrying within seconds cannot mend: TLS refused, plain HTTP on an https:// URL, no such host."""
    return isinstance(error, ShopUnreachableError) and error.message.startswith(_LASTING)


def non_json_error(status: int, content: bytes, request: str) -> WooTransientError:
    head = content.lstrip()[:1]
    if head == b"<":
        what = "an HTML page instead of JSON (a captcha or firewall challenge?)"
        hint = "A firewall or CDN in front of the shop may be challenging this client; allow-list it there."
    else:
        what = "a body that is not valid JSON (cut short?)"
        hint = "This usually passes; a proxy may have cut the answer short."
    return WooTransientError(f"The shop answered {status} with {what}", status=status, request=request, hint=hint)
