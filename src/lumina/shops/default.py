"""The default shop: the one the WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET variables describe.

At start-up its row is brought in line with the variables, and every family without a shop is linked to it; with
no family at all, a "Household" family is created for it. So a self-hoster who sets three variables gets a working
sync with no other set-up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.config import ConfigError
from lumina.context import ServiceContext
from lumina.families import repository as families
from lumina.kit.crypto import SecretBox, key_hint
from lumina.logging import get_logger
from lumina.models import ShopConnection
from lumina.shops import repository
from lumina.woocommerce import AuthMode, WooCredentials
from lumina.woocommerce.client import normalize_base_url

logger = get_logger("lumina.shops")

DEFAULT_SHOP_NAME = "Default shop"
FIRST_FAMILY_NAME = "Household"
# Several API processes may start at once on PostgreSQL: one at a time upserts the row.
_ADVISORY_LOCK_KEY = 0x4C554D494E41  # "LUMINA"


def _same_secret(box: SecretBox, encrypted: str, plain: str) -> bool:
    try:
        return box.decrypt(encrypted) == plain
    except ValueError:  # encrypted under an earlier ENCRYPTION_KEY
        return False


async def _upsert(session: AsyncSession, context: ServiceContext) -> tuple[ShopConnection, bool]:
    settings, box = context.settings, context.secret_box
    try:
        credentials = WooCredentials(
            settings.wc_consumer_key.get_secret_value(), settings.wc_consumer_secret.get_secret_value()
        )
        url = normalize_base_url(settings.wc_store_url)
        auth_mode = AuthMode(settings.wc_auth_mode.value)
        auth_mode.resolve(urlsplit(url).scheme)
    except ValueError as exc:
        raise ConfigError(f"The default shop (WC_STORE_URL and its keys) cannot be used: {exc}") from exc
    shop = await repository.default_shop(session)
    created = shop is None
    if shop is None:
        shop = ShopConnection(name=DEFAULT_SHOP_NAME, is_default=True, consumer_key_encrypted="")
        session.add(shop)
    changed = (
        created
        or shop.url != url
        or shop.auth_mode != auth_mode.value
        or shop.verify_tls != settings.wc_verify_tls
        or not _same_secret(box, shop.consumer_key_encrypted, credentials.consumer_key)
        or not _same_secret(box, shop.consumer_secret_encrypted, credentials.consumer_secret)
    )
    if changed:
        shop.url = url
        shop.auth_mode = auth_mode.value
        shop.verify_tls = settings.wc_verify_tls
        shop.consumer_key_encrypted = box.encrypt(credentials.consumer_key)
        shop.consumer_secret_encrypted = box.encrypt(credentials.consumer_secret)
        shop.key_hint = key_hint(credentials.consumer_key)
        # What an earlier check found may not hold for another URL or key.
        shop.checked_at = None
        shop.can_write = None
    await session.flush()
    return shop, changed


async def _link_orphans(session: AsyncSession, shop: ShopConnection) -> int:
    orphans = list(await families.without_shop(session))
    if not orphans and not await families.exists_any(session):
        orphans = [await families.add(session, FIRST_FAMILY_NAME)]
        logger.info("first family created for the default shop", family_id=orphans[0].id)
    for family in orphans:
        await repository.add_link(session, family.id, shop.id)
    return len(orphans)


async def ensure_default_shop(context: ServiceContext) -> ShopConnection | None:
    """Bring the default shop in line with the WC_* variables and link shop-less families to it.

    Returns the default shop, or None when the variables are not set (a row from an earlier configuration is
    left alone: removing it would delete its cached orders). Commits its own transaction.
    """
    settings = context.settings
    if not settings.shop_configured:
        logger.info("no default shop configured", hint="set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET")
        return None
    async with context.database.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        shop, changed = await _upsert(session, context)
        linked = await _link_orphans(session, shop)
    if not shop.verify_tls and shop.url.startswith("https://"):
        logger.warning(
            "TLS verification is off for the default shop (WC_VERIFY_TLS=false): anyone on the way to the shop "
            "could read and change what Lumina sends and receives",
            shop_id=shop.id,
            url=shop.url,
        )
    logger.info(
        "default shop ready",
        shop_id=shop.id,
        url=shop.url,
        key_hint=shop.key_hint,
        auth_mode=shop.auth_mode,
        updated=changed,
        families_linked=linked,
    )
    return shop
