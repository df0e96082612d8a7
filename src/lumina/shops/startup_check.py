"""The default shop's connection check at start-up: in the background, so a slow or absent shop never delays the
service, with its result kept on the shop's row (`lumina shops list`, the admin API) and the problems logged.

The shop is read in one short transaction and the result written in another: no transaction stays open while the
shop is being asked.
"""

from __future__ import annotations

from lumina.context import ServiceContext
from lumina.errors import AppError
from lumina.logging import get_logger
from lumina.shops import checking, repository
from lumina.woocommerce import ShopInfo

logger = get_logger("lumina.shops")


async def check_default_shop(context: ServiceContext, shop_id: int) -> None:
    """Check the shop and keep the outcome; never raises for a shop problem (there is no caller to tell)."""
    async with context.database.transaction() as session:
        shop = await repository.get(session, shop_id)
    if shop is None:
        return
    outcome: ShopInfo | AppError
    try:
        outcome = await checking.inspect(context.settings, context.secret_box, shop, allow_read_only=True)
    except AppError as refused:
        outcome = refused
    except ValueError as exc:  # the stored credentials cannot be decrypted
        outcome = AppError(str(exc))
    async with context.database.transaction() as session:
        shop = await repository.get(session, shop_id)
        if shop is None:
            return
        if isinstance(outcome, AppError):
            checking.record_failure(shop, outcome)
            logger.warning("the default shop's connection check failed", shop_id=shop_id, problem=outcome.message)
            return
        checking.record(shop, outcome)
    if not outcome.can_write:
        logger.warning(
            "the default shop's API key is read-only: status changes will be refused",
            shop_id=shop_id,
            hint="give the key Read/Write permission in WooCommerce → Settings → Advanced → REST API",
        )
    for warning in outcome.warnings:
        logger.warning("default shop check", shop_id=shop_id, warning=warning)
    logger.info("the default shop's connection checked", shop_id=shop_id, wc_version=outcome.wc_version)
