"""Changing a saved shop (`PATCH /admin/shops/{id}`, `lumina shops update`) without losing its cached orders.

A new URL, key, auth mode or TLS setting is tried on a copy of the row first, with the same connection check as
adding a shop, so a mistyped key never replaces a working one. A new URL must lead to the same store: the cache
and the sync cursor belong to the store's orders, and another store's orders under the same ids would be mixed
into them. Some cached orders are looked up at the new address; when none of them is found there as cached, the
change is refused (409, `different_store`) and the operator adds the other store as a new shop instead. The
default shop's connection belongs to the WC_* variables, which would undo any change at the next start.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.errors import BadRequestError, ConflictError
from lumina.kit.crypto import key_hint
from lumina.kit.text import clean_name
from lumina.logging import get_logger
from lumina.models import ShopConnection
from lumina.shops import checking, repository
from lumina.shops.connect import build_client
from lumina.shops.service import (
    CheckedShop,
    checked_credentials,
    checked_url,
    ensure_url_free,
    get_shop,
)
from lumina.woocommerce import AuthMode, WooError, WooNotFoundError

logger = get_logger("lumina.shops")

MAX_INTERVAL_MINUTES = 7 * 24 * 60
SAME_STORE_SAMPLE = 3  # cached orders looked up at a new URL


@dataclass(frozen=True, slots=True)
class ShopChanges:
    """Fields to change; None leaves a field as it is, except the interval when `interval_given` (None: the
    service's SYNC_INTERVAL)."""

    name: str | None = None
    url: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    auth_mode: AuthMode | None = None
    verify_tls: bool | None = None
    sync_interval_minutes: int | None = None
    interval_given: bool = False

    def __repr__(self) -> str:
        return f"ShopChanges(name={self.name!r}, url={self.url!r}, new key: {self.consumer_key is not None})"

    @property
    def connection(self) -> bool:
        """Whether how the shop is reached changes."""
        fields = (self.url, self.consumer_key, self.consumer_secret, self.auth_mode, self.verify_tls)
        return any(value is not None for value in fields)


async def update_shop(
    session: AsyncSession,
    context: ServiceContext,
    shop_id: int,
    changes: ShopChanges,
    *,
    check: bool = True,
    allow_read_only: bool = False,
) -> CheckedShop:
    shop = await get_shop(session, shop_id)
    info = None
    if changes.connection:
        if shop.is_default:
            raise ConflictError(
                "The default shop's URL, keys, auth mode and TLS setting come from the WC_* variables: change those "
                "instead (its name and interval may be changed here)"
            )
        candidate = await _candidate(session, context, shop, changes)
        if check:
            info = await checking.inspect(
                context.settings, context.secret_box, candidate, allow_read_only=allow_read_only
            )
            if candidate.url != shop.url:
                await _ensure_same_store(session, context, shop, candidate)
        _take_connection(shop, candidate)
        if info is not None:
            checking.record(shop, info)
    if changes.name is not None:
        shop.name = clean_name(changes.name, owner="A shop")
    if changes.interval_given:
        shop.sync_interval_minutes = _interval(changes.sync_interval_minutes)
    await session.flush()
    logger.info(
        "shop updated",
        shop_id=shop.id,
        url=shop.url,
        key_hint=shop.key_hint,
        new_key=changes.consumer_key is not None,
        checked=info is not None,
        sync_interval_minutes=shop.sync_interval_minutes,
    )
    return CheckedShop(shop, info)


def _interval(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= MAX_INTERVAL_MINUTES:
        raise BadRequestError(f"A shop's sync interval is 1 to {MAX_INTERVAL_MINUTES} minutes, or none")
    return minutes


async def _candidate(
    session: AsyncSession, context: ServiceContext, shop: ShopConnection, changes: ShopChanges
) -> ShopConnection:
    """The row as it would be after the change, not attached to the session: what the check is run on."""
    if (changes.consumer_key is None) != (changes.consumer_secret is None):
        raise BadRequestError(
            "A new consumer key comes with its consumer secret: give both", details={"reason": "invalid_credentials"}
        )
    auth_mode = changes.auth_mode or AuthMode(shop.auth_mode)
    url = shop.url
    if changes.url is not None or changes.auth_mode is not None:
        url = await checked_url(context, changes.url or shop.url, auth_mode)
    if url.lower() != shop.url.lower():
        await ensure_url_free(session, url)
    box = context.secret_box
    candidate = ShopConnection(
        id=shop.id,
        name=shop.name,
        url=url,
        consumer_key_encrypted=shop.consumer_key_encrypted,
        consumer_secret_encrypted=shop.consumer_secret_encrypted,
        key_hint=shop.key_hint,
        auth_mode=auth_mode.value,
        verify_tls=shop.verify_tls if changes.verify_tls is None else changes.verify_tls,
    )
    if changes.consumer_key is not None and changes.consumer_secret is not None:
        credentials = checked_credentials(changes.consumer_key, changes.consumer_secret)
        candidate.consumer_key_encrypted = box.encrypt(credentials.consumer_key)
        candidate.consumer_secret_encrypted = box.encrypt(credentials.consumer_secret)
        candidate.key_hint = key_hint(credentials.consumer_key)
    return candidate


def _take_connection(shop: ShopConnection, candidate: ShopConnection) -> None:
    shop.url = candidate.url
    shop.consumer_key_encrypted = candidate.consumer_key_encrypted
    shop.consumer_secret_encrypted = candidate.consumer_secret_encrypted
    shop.key_hint = candidate.key_hint
    shop.auth_mode = candidate.auth_mode
    shop.verify_tls = candidate.verify_tls
    # What an earlier check found may not hold for another URL or key; a check run now records it again.
    shop.checked_at = None
    shop.can_write = None


async def _ensure_same_store(
    session: AsyncSession, context: ServiceContext, shop: ShopConnection, candidate: ShopConnection
) -> None:
    """Refuse a new URL at which none of the sampled cached orders exists as cached (nothing cached: no risk)."""
    sample = await repository.sample_orders(session, shop.id, SAME_STORE_SAMPLE)
    if not sample:
        return
    async with build_client(context.settings, context.secret_box, candidate, retry=checking.CHECK_RETRY) as client:
        for order_id, created in sample:
            try:
                order = await client.get_order(order_id)
            except WooNotFoundError:
                continue
            except WooError as error:
                raise checking.refusal(error) from None
            if order.date_created == created:
                return
    listed = ", ".join(f"#{order_id}" for order_id, _ in sample)
    raise ConflictError(
        f"The shop at {candidate.url} does not have this shop's orders ({listed} are not there as cached): it looks "
        "like another store. Add it as a new shop instead, so the two stores' orders are not mixed",
        details={"reason": "different_store"},
    )
