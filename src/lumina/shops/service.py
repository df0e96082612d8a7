"""Shop connections and their links to families, as an operator manages them (admin API and CLI).

Credentials are encrypted before they reach the row and leave it only through `connect.build_client`. A URL given
by a person must point at a public address unless the operator allows private ones (ALLOW_PRIVATE_SHOP_URLS),
because the service would otherwise probe its own network on anyone's behalf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.db.types import MAX_BIGINT
from lumina.errors import BadRequestError, ConflictError, NotFoundError
from lumina.families.service import get_family
from lumina.kit.crypto import key_hint
from lumina.kit.netguard import UnsafeURLError, ensure_public_url
from lumina.kit.text import clean_name
from lumina.logging import get_logger
from lumina.models import FamilyShop, ShopConnection
from lumina.shops import checking, repository
from lumina.shops.health import ShopHealth, WebhookHealth, health_of
from lumina.woocommerce import AuthMode, ShopInfo, WooCredentials
from lumina.woocommerce.client import normalize_base_url

logger = get_logger("lumina.shops")


@dataclass(frozen=True, slots=True)
class ShopInput:
    name: str
    url: str
    consumer_key: str
    consumer_secret: str
    auth_mode: AuthMode = AuthMode.AUTO
    verify_tls: bool = True

    def __repr__(self) -> str:
        return f"ShopInput(name={self.name!r}, url={self.url!r}, auth_mode={self.auth_mode.value})"


@dataclass(frozen=True, slots=True)
class CheckedShop:
    shop: ShopConnection
    info: ShopInfo | None  # None when the check was skipped


@dataclass(frozen=True, slots=True)
class ShopSummary:
    shop: ShopConnection
    family_count: int
    health: ShopHealth


async def checked_url(context: ServiceContext, url: str, auth_mode: AuthMode) -> str:
    """The shop's home URL, normalised, refused when malformed, unsuited to the auth mode, or private."""
    try:
        normalized = normalize_base_url(url)
        auth_mode.resolve(urlsplit(normalized).scheme)
    except ValueError as exc:
        raise BadRequestError(f"Invalid shop URL: {exc}", details={"reason": "invalid_url"}) from exc
    if not context.settings.allow_private_shop_urls:
        try:
            await ensure_public_url(normalized)
        except UnsafeURLError as exc:
            raise BadRequestError(f"Shop URL refused: {exc}", details={"reason": "private_address"}) from exc
    return normalized


def checked_credentials(consumer_key: str, consumer_secret: str) -> WooCredentials:
    try:
        return WooCredentials(consumer_key, consumer_secret)
    except ValueError as exc:
        raise BadRequestError(str(exc).capitalize(), details={"reason": "invalid_credentials"}) from exc


async def ensure_url_free(session: AsyncSession, url: str) -> None:
    existing = await repository.by_url(session, url)
    if existing is not None:
        raise ConflictError(f"The shop {url} is already connected (shop {existing.id})")


async def add_shop(
    session: AsyncSession,
    context: ServiceContext,
    given: ShopInput,
    *,
    check: bool = True,
    allow_read_only: bool = False,
) -> CheckedShop:
    """Add a shop, after checking the key against it unless `check` is False."""
    name = clean_name(given.name, owner="A shop")
    url = await checked_url(context, given.url, given.auth_mode)
    credentials = checked_credentials(given.consumer_key, given.consumer_secret)
    await ensure_url_free(session, url)
    box = context.secret_box
    shop = ShopConnection(
        name=name,
        url=url,
        consumer_key_encrypted=box.encrypt(credentials.consumer_key),
        consumer_secret_encrypted=box.encrypt(credentials.consumer_secret),
        key_hint=key_hint(credentials.consumer_key),
        auth_mode=given.auth_mode.value,
        verify_tls=given.verify_tls,
        is_default=False,
    )
    info = None
    if check:
        info = await checking.inspect(context.settings, box, shop, allow_read_only=allow_read_only)
        checking.record(shop, info)
    await repository.add(session, shop)
    logger.info("shop added", shop_id=shop.id, url=url, key_hint=shop.key_hint, checked=check)
    return CheckedShop(shop, info)


async def get_shop(session: AsyncSession, shop_id: int) -> ShopConnection:
    shop = await repository.get(session, shop_id)
    if shop is None:
        raise NotFoundError(f"Shop {shop_id} not found")
    return shop


async def check_shop(session: AsyncSession, context: ServiceContext, shop_id: int) -> CheckedShop:
    """Check a saved shop again and keep what was found; a read-only key is reported, not refused."""
    shop = await get_shop(session, shop_id)
    try:
        info = await checking.inspect(context.settings, context.secret_box, shop, allow_read_only=True)
    except ValueError as exc:  # the stored credentials cannot be decrypted
        raise BadRequestError(f"Shop {shop_id}: {exc}", details={"reason": "undecryptable"}) from exc
    checking.record(shop, info)
    await session.flush()
    logger.info("shop checked", shop_id=shop.id, wc_version=info.wc_version, can_write=info.can_write)
    return CheckedShop(shop, info)


async def summaries(
    session: AsyncSession, context: ServiceContext, shops: Sequence[ShopConnection]
) -> list[ShopSummary]:
    """Each shop with its number of linked families and its sync health."""
    ids = [shop.id for shop in shops]
    families = await repository.family_counts(session, ids)
    states = await repository.sync_states(session, ids)
    mirrored = await repository.mirrored_counts(session, ids)
    webhooks = await repository.webhooks_of(session, ids)
    interval, box, now = context.settings.sync_interval, context.secret_box, datetime.now(UTC)
    return [
        ShopSummary(
            shop,
            families.get(shop.id, 0),
            health_of(
                box,
                shop,
                states.get(shop.id),
                mirrored.get(shop.id, 0),
                default_interval=interval,
                now=now,
                webhook=WebhookHealth.of(webhooks.get(shop.id, [])),
            ),
        )
        for shop in shops
    ]


async def list_shops(
    session: AsyncSession, context: ServiceContext, *, limit: int | None = None, offset: int = 0
) -> list[ShopSummary]:
    """Shops by id, a page at a time: the health figures cost a scan of each shop's cached orders."""
    return await summaries(session, context, await repository.list_all(session, limit=limit, offset=offset))


async def count_shops(session: AsyncSession) -> int:
    return await repository.count(session)


async def shop_summary(session: AsyncSession, context: ServiceContext, shop: ShopConnection) -> ShopSummary:
    return (await summaries(session, context, [shop]))[0]


async def remove_shop(session: AsyncSession, shop_id: int) -> None:
    """Remove a shop with its links and cached orders; the default shop belongs to the WC_* variables."""
    shop = await get_shop(session, shop_id)
    if shop.is_default:
        raise ConflictError(
            "This is the default shop, configured by WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET; "
            "change or remove those variables instead"
        )
    await repository.delete_shop(session, shop.id)
    logger.info("shop removed", shop_id=shop_id)


# Links ----------------------------------------------------------------------------------------------------------


def normalized_scope(
    customer_ids: Sequence[int], billing_emails: Sequence[str]
) -> tuple[list[int] | None, list[str] | None]:
    if any(not 1 <= customer_id <= MAX_BIGINT for customer_id in customer_ids):
        raise BadRequestError("Customer ids are positive WooCommerce customer ids (guests have none: scope by email)")
    emails = sorted({email.strip().lower() for email in billing_emails if email.strip()})
    if any("@" not in email for email in emails):
        raise BadRequestError("Billing emails must be email addresses")
    return sorted(set(customer_ids)) or None, emails or None


async def link_family(
    session: AsyncSession,
    family_id: int,
    shop_id: int,
    *,
    customer_ids: Sequence[int] = (),
    billing_emails: Sequence[str] = (),
) -> tuple[FamilyShop, bool]:
    """Link a family to a shop, or replace the scope of an existing link; True when the link is new."""
    await get_family(session, family_id)
    await get_shop(session, shop_id)
    ids, emails = normalized_scope(customer_ids, billing_emails)
    link = await repository.link(session, family_id, shop_id)
    created = link is None
    if link is None:
        link = await repository.add_link(session, family_id, shop_id, ids, emails)
    else:
        link.customer_ids, link.billing_emails = ids, emails
        await session.flush()
    logger.info("family linked to shop", family_id=family_id, shop_id=shop_id, scoped=link.scoped, created=created)
    return link, created


async def unlink_family(session: AsyncSession, family_id: int, shop_id: int) -> None:
    if not await repository.delete_link(session, family_id, shop_id):
        raise NotFoundError(f"Family {family_id} is not linked to shop {shop_id}")
    logger.info("family unlinked from shop", family_id=family_id, shop_id=shop_id)


async def list_links(
    session: AsyncSession, *, family_id: int | None = None, shop_id: int | None = None
) -> Sequence[FamilyShop]:
    return await repository.links(session, family_id=family_id, shop_id=shop_id)
