"""Everything the WooCommerce client raises.

    WooError                         anything this client raises on purpose
    ├── WooTransientError            worth trying again later: slow, busy or briefly broken shop
    │   ├── ShopUnreachableError     no HTTP answer at all: DNS, refused, TLS, connect timeout
    │   └── PaginationLoopError      the shop served the same page twice (a cache ignoring the query?)
    └── WooPermanentError            retrying will not help until a person changes something
        ├── WooAuthError             401/403: key, secret, permissions, stripped Authorization header
        ├── WooNotFoundError         no such order (404, or the 400 "Invalid ID" a PUT gets) or route
        ├── NotWooCommerceError      no WordPress REST API, or no WooCommerce, at that URL
        ├── ShopTooOldError          the shop's WooCommerce lacks what the sync needs
        └── ShopAddressRefusedError  the shop's name resolves to an address the client may not connect to

Transient faults are retried inside the client (with backoff) before one of these is raised; permanent
faults are raised at once. Every error carries the HTTP `status`, WooCommerce's own error `code` and a
`hint` a person can act on. Messages name the request by method and path with credentials redacted:
they never contain a consumer key, secret or OAuth signature.

`message` may quote the shop's own words (redacted where they enter: a shop, WAF or proxy may echo the request);
`reason` is the client's words only, and `summary()` is what to show people who should not see the shop's text.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

__all__ = [
    "NotWooCommerceError",
    "PaginationLoopError",
    "ShopAddressRefusedError",
    "ShopTooOldError",
    "ShopUnreachableError",
    "WooAuthError",
    "WooError",
    "WooNotFoundError",
    "WooPermanentError",
    "WooTransientError",
]


class ErrorDetails(TypedDict, total=False):
    """What every error may carry besides its message (the keyword arguments of WooError)."""

    status: int | None
    code: str | None
    hint: str | None
    request: str | None  # "GET /wp-json/wc/v3/orders?page=2", credentials redacted
    reason: str | None  # the message without the shop's own words; the message itself when it has none


class WooError(Exception):
    """Base of every error the client raises on purpose."""

    def __init__(self, message: str, **details: Unpack[ErrorDetails]) -> None:
        super().__init__(message)
        self.message = message
        self.status = details.get("status")
        self.code = details.get("code")
        self.hint = details.get("hint")
        self.request = details.get("request")
        self.reason = details.get("reason") or message

    def summary(self) -> str:
        """The reason, the HTTP status and WooCommerce's code, and the hint: no text the shop chose, no request."""
        detail = ", ".join(p for p in (f"HTTP {self.status}" if self.status else None, self.code) if p)
        return " ".join(
            p for p in (self.reason, f"[{detail}]" if detail else None, self.hint and f"Hint: {self.hint}") if p
        )

    def __str__(self) -> str:
        parts = [self.message]
        detail = ", ".join(p for p in (f"HTTP {self.status}" if self.status else None, self.code, self.request) if p)
        if detail:
            parts.append(f"[{detail}]")
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return " ".join(parts)


class WooTransientError(WooError):
    """The shop failed in a way that usually passes; the client already retried."""

    def __init__(self, message: str, *, retry_after: float | None = None, **details: Unpack[ErrorDetails]) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after  # seconds the shop asked us to wait, if it said


class ShopUnreachableError(WooTransientError):
    """No HTTP answer at all: the name does not resolve, the port is closed, TLS failed, or it timed out."""


class PaginationLoopError(WooTransientError):
    """Two consecutive pages held the same orders: following on would loop or miss orders."""


class WooPermanentError(WooError):
    """The shop refused the request; sending it again unchanged will fail again."""


class WooAuthError(WooPermanentError):
    """The shop refused the credentials or their permissions (401 or 403)."""


class WooNotFoundError(WooPermanentError):
    """No such order (404, or 400 "Invalid ID" on a PUT) or no such route."""


class NotWooCommerceError(WooPermanentError):
    """The URL does not lead to a WordPress site running WooCommerce's REST API."""


class ShopTooOldError(WooPermanentError):
    """The shop's WooCommerce is too old for what the sync needs (REST v3, `modified_after`)."""


class ShopAddressRefusedError(WooPermanentError):
    """The shop's name resolved, at connect time, to an address the client was told not to reach (a private,
    loopback or link-local one); nothing was sent."""
