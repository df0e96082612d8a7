"""The one place where a stored shop connection becomes a WooCommerce client.

Everything that talks to a shop (the connection check, the sync engine, the order write-back) goes through
`build_client`, so decryption, politeness limits, TLS verification and the auth mode are applied the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


def _fingerprint(shop: ShopConnection) -> tuple[object, ...]:
    """What a client is built from: another URL, key, auth mode or TLS setting (a PATCH, a key rotation; the keys
    are compared as stored, encrypted) makes another client."""
    return (shop.url, shop.consumer_key_encrypted, shop.consumer_secret_encrypted, shop.auth_mode, shop.verify_tls,
            shop.is_default)  # fmt: skip


class KeptClients:
    """A sync coordinator's clients, one per shop, kept between the shop's runs: building one (its HTTP session, the
    keys decrypted) is a good part of an idle run's CPU, and a run soon after the last reuses its connection.

    At most `size` are kept, the least recently used closed first; a client in use is not among them (it is taken
    out for the run and put back after), so none is closed under a run. `aclose` closes those kept (a stopping
    coordinator); the next run builds again."""

    def __init__(self, settings: Settings, secret_box: SecretBox, *, size: int = 256) -> None:
        self.settings = settings
        self.secret_box = secret_box
        self.size = size
        self._kept: OrderedDict[int, tuple[tuple[object, ...], WooClient]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    @asynccontextmanager
    async def using(self, shop: ShopConnection) -> AsyncIterator[WooClient]:
        """The shop's client for one run, its counters from zero (the run's requests and pages)."""
        fingerprint = _fingerprint(shop)
        kept = self._kept.pop(shop.id, None)
        if kept is not None and kept[0] != fingerprint:
            await kept[1].aclose()
            kept = None
        client = kept[1] if kept is not None else build_client(self.settings, self.secret_box, shop)
        client.reset_stats()
        try:
            yield client
        finally:
            displaced = self._kept.pop(shop.id, None)  # a client another caller put back meanwhile
            self._kept[shop.id] = (fingerprint, client)
            closing = [displaced[1]] if displaced is not None else []
            while len(self._kept) > self.size:
                closing.append(self._kept.popitem(last=False)[1][1])
            for old in closing:
                await old.aclose()

    async def aclose(self) -> None:
        kept = [client for _, client in self._kept.values()]
        self._kept.clear()
        for client in kept:
            await client.aclose()
