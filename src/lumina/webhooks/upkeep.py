"""Every shop's webhooks kept healthy: at start-up, after each sync cycle, and from `lumina webhooks`.

Without PUBLIC_URL nothing happens: the service then relies on polling alone, as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.models import ShopConnection
from lumina.shops.connect import build_client
from lumina.sync.engine import error_text
from lumina.webhooks.registration import Registrar, Report
from lumina.woocommerce import WooClient

logger = get_logger("lumina.webhooks")

Action = Callable[[Registrar, int, WooClient], Awaitable[Report | int]]


async def for_each_shop(
    context: ServiceContext, action: Action, shop_ids: Sequence[int] | None = None
) -> dict[int, Report | int | str]:
    """Run `action` on every shop (or `shop_ids`); a shop's failure is its entry's message, the others go on."""
    async with context.database.transaction() as session:
        statement = select(ShopConnection).order_by(ShopConnection.id)
        if shop_ids is not None:
            statement = statement.where(ShopConnection.id.in_(list(shop_ids)))
        shops = list(await session.scalars(statement))
    registrar = Registrar(context)
    outcomes: dict[int, Report | int | str] = {}
    for shop in shops:
        try:
            async with build_client(context.settings, context.secret_box, shop) as client:
                outcomes[shop.id] = await action(registrar, shop.id, client)
        except Exception as exc:
            outcomes[shop.id] = error_text(exc)
            logger.warning("webhooks of a shop could not be checked", shop_id=shop.id, error=outcomes[shop.id])
    return outcomes


async def keep_webhooks(context: ServiceContext, shop_ids: Sequence[int] | None = None) -> None:
    """Register, re-activate and tidy every shop's (or these shops') webhooks when PUBLIC_URL is set."""
    if not context.settings.public_url:
        return
    outcomes = await for_each_shop(
        context, lambda registrar, shop_id, client: registrar.ensure(shop_id, client), shop_ids
    )
    for shop_id, outcome in outcomes.items():
        if isinstance(outcome, Report) and (outcome.created or outcome.reactivated or outcome.removed):
            logger.info("webhooks updated", shop_id=shop_id, created=outcome.created,
                        reactivated=outcome.reactivated, removed=outcome.removed)  # fmt: skip
