"""The one place where a stored shop connection becomes a WooCommerce client.

Everything that talks to a shop (the connection check, the sync engine, the order write-back) goes through
`build_client`, so decryption, politeness limits, TLS verification and the auth mode are applied the same way.
"""

from __future__ import annotations

from lumina.config import Settings
from lumina.kit.crypto import SecretBox
from lumina.kit.netguard import is_public_address
from lumina.models import ShopConnection
from lumina.woocommerce import AuthMode, ClientLimits, RetryPolicy, WooClient, WooCredentials


def credentials_of(secret_box: SecretBox, shop: ShopConnection) -> WooCredentials:
    return WooCredentials(
        consumer_key=secret_box.decrypt(shop.consumer_key_encrypted),
        consumer_secret=secret_box.decrypt(shop.consumer_secret_encrypted),
    )


def build_client(
    settings: Settings, secret_box: SecretBox, shop: ShopConnection, *, retry: RetryPolicy | None = None
) -> WooClient:
    """A client for `shop`; use it as `async with build_client(...) as client:`.

    `retry` overrides the default policy (the interactive connection check gives up sooner than a sync).
    Raises ValueError when the stored credentials cannot be decrypted (ENCRYPTION_KEY changed) or the stored auth
    mode does not suit the URL.

    A shop added through the API or CLI may reach only public addresses unless ALLOW_PRIVATE_SHOP_URLS is set, and
    that is checked on every connection (a name can be re-pointed after the shop was added); the default shop is
    the operator's own configuration and may be anywhere.
    """
    return WooClient(
        shop.url,
        credentials_of(secret_box, shop),
        auth_mode=AuthMode(shop.auth_mode),
        verify=shop.verify_tls,
        limits=ClientLimits(
            max_concurrency=settings.sync_max_concurrency,
            requests_per_second=settings.sync_requests_per_second,
        ),
        retry=retry,
        address_allowed=None if settings.allow_private_shop_urls or shop.is_default else is_public_address,
    )
