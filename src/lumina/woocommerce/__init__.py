"""A small async client for WooCommerce's REST API v3 (orders), shaped as a library.

It knows nothing of Lumina's database or web layer. One `WooClient` talks to one shop: it picks the
authentication WooCommerce honours for the URL's scheme, keeps to a request rate and a concurrency bound,
retries transient faults with backoff, fails at once on permanent ones with WooCommerce's own error code and a
hint, streams listings page by page, and parses orders into typed models that keep the raw JSON.

    async with WooClient("https://shop.example", WooCredentials(key, secret)) as client:
        info = await client.check_connection()
        async for page in client.iter_order_pages(OrderQuery(modified_after=since, statuses=ORDER_STATUSES)):
            ...

The exception tree is drawn in `lumina.woocommerce.errors`. Logs go to the `lumina.woocommerce` logger and never
contain credentials.
"""

from ._redact import redact_credentials, redact_url
from .client import WooClient
from .config import ClientLimits, RetryPolicy
from .credentials import AuthMode, WooCredentials
from .errors import (
    NotWooCommerceError,
    PaginationLoopError,
    ShopAddressRefusedError,
    ShopTooOldError,
    ShopUnreachableError,
    WooAuthError,
    WooError,
    WooNotFoundError,
    WooPermanentError,
    WooTransientError,
)
from .models import OrderPage, OrderStamp, RequestStats, ShopInfo, StampPage, WooOrder, WooWebhook
from .query import ORDER_STATUSES, OrderQuery

__all__ = [
    "ORDER_STATUSES",
    "AuthMode",
    "ClientLimits",
    "NotWooCommerceError",
    "OrderPage",
    "OrderQuery",
    "OrderStamp",
    "PaginationLoopError",
    "RequestStats",
    "RetryPolicy",
    "ShopAddressRefusedError",
    "ShopInfo",
    "ShopTooOldError",
    "ShopUnreachableError",
    "StampPage",
    "WooAuthError",
    "WooClient",
    "WooCredentials",
    "WooError",
    "WooNotFoundError",
    "WooOrder",
    "WooPermanentError",
    "WooTransientError",
    "WooWebhook",
    "redact_credentials",
    "redact_url",
]
