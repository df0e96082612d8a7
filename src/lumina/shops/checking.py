"""The connection check of a shop, with each way it can fail turned into an answer an operator can act on.

A refusal is 400 when what was given is wrong (the key, its permissions, an address that is not a WooCommerce
shop, a shop too old) and 502 when the shop did not answer properly. `details["reason"]` names the case for
programs: bad_key, read_only_key, not_woocommerce, too_old, unreachable, shop_error, private_address (the name
resolves to a private address now, though it may not have when the shop was added).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lumina.config import Settings
from lumina.errors import AppError, BadGatewayError, BadRequestError
from lumina.kit.crypto import SecretBox
from lumina.logging import get_logger
from lumina.models import ShopConnection
from lumina.shops.connect import build_client
from lumina.woocommerce import (
    NotWooCommerceError,
    RetryPolicy,
    ShopAddressRefusedError,
    ShopInfo,
    ShopTooOldError,
    ShopUnreachableError,
    WooAuthError,
    WooError,
    WooTransientError,
)

logger = get_logger("lumina.shops")

# A person is waiting for the answer: one retry, then say what is wrong.
CHECK_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0, max_retry_after=5.0)

_REASONS: tuple[tuple[type[WooError], str, type[AppError]], ...] = (
    (ShopAddressRefusedError, "private_address", BadRequestError),
    (WooAuthError, "bad_key", BadRequestError),
    (NotWooCommerceError, "not_woocommerce", BadRequestError),
    (ShopTooOldError, "too_old", BadRequestError),
    (ShopUnreachableError, "unreachable", BadGatewayError),
    (WooTransientError, "shop_error", BadGatewayError),
)


def refusal(error: WooError) -> AppError:
    """The API error for a failed check; the client's messages never contain credentials."""
    for kind, reason, answer in _REASONS:
        if isinstance(error, kind):
            return answer(str(error), details={"reason": reason})
    return BadGatewayError(str(error), details={"reason": "shop_error"})


def read_only_refusal() -> AppError:
    return BadRequestError(
        "The API key may read orders but not change them, so Lumina could not update order statuses. "
        "Give the key Read/Write permission (WooCommerce → Settings → Advanced → REST API), "
        "or allow a read-only connection.",
        details={"reason": "read_only_key"},
    )


async def inspect(
    settings: Settings, secret_box: SecretBox, shop: ShopConnection, *, allow_read_only: bool = False
) -> ShopInfo:
    """Run the client's connection check against `shop` (saved or not yet); raise an AppError on any problem."""
    try:
        async with build_client(settings, secret_box, shop, retry=CHECK_RETRY) as client:
            info = await client.check_connection()
    except WooError as error:
        logger.info("shop check failed", shop_id=shop.id, url=shop.url, problem=type(error).__name__)
        raise refusal(error) from None
    if not info.can_write and not allow_read_only:
        logger.info("shop check failed", shop_id=shop.id, url=shop.url, problem="read-only key")
        raise read_only_refusal()
    return info


def record(shop: ShopConnection, info: ShopInfo) -> None:
    """Keep what the check found on the row."""
    shop.check_error = shop.check_failed_at = None
    shop.wc_version = info.wc_version
    shop.timezone = info.timezone
    shop.supports_modified_after = info.supports_modified_after
    shop.order_statuses = list(info.order_statuses)
    shop.can_write = info.can_write
    shop.checked_at = datetime.now(UTC)


def record_failure(shop: ShopConnection, refused: AppError) -> None:
    """Keep why the check failed; what an earlier check found stays (it may hold again once the shop is back)."""
    shop.check_error = refused.message
    shop.check_failed_at = datetime.now(UTC)
