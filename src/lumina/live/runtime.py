"""Start-up and shut-down of the real-time parts: the PostgreSQL listener, the webhooks' upkeep and hint batches."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from lumina.context import ServiceContext
from lumina.live.listener import PgEventListener
from lumina.logging import get_logger
from lumina.webhooks.batcher import COMPONENT as BATCHER
from lumina.webhooks.batcher import HintBatcher
from lumina.webhooks.upkeep import keep_webhooks

logger = get_logger("lumina.live")

# wp_safe_remote_post only reaches these ports (API-FACTS: Webhooks).
WOOCOMMERCE_PORTS = (80, 443, 8080)
LISTENER = "live_listener"
UPKEEP = "webhook_upkeep"


async def start(context: ServiceContext) -> None:
    """Listen for other processes' events (PostgreSQL), and register the shops' webhooks in the background: the
    shop pings our address while registering, so the server must be free to answer."""
    database = context.database
    if not database.is_sqlite:
        dsn = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = PgEventListener(dsn)
        await listener.start()
        context.components[LISTENER] = listener
    if context.settings.public_url:
        parts = urlsplit(context.settings.public_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if port not in WOOCOMMERCE_PORTS:
            logger.warning("PUBLIC_URL uses a port WooCommerce does not deliver to (only 80, 443, 8080)", port=port)
        context.components[UPKEEP] = asyncio.create_task(keep_webhooks(context), name="lumina.webhooks.upkeep")


async def stop(context: ServiceContext) -> None:
    upkeep: asyncio.Task[None] | None = context.components.pop(UPKEEP, None)
    if upkeep is not None:
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep
    batcher: HintBatcher | None = context.components.pop(BATCHER, None)
    if batcher is not None:
        await batcher.stop()
    listener: PgEventListener | None = context.components.pop(LISTENER, None)
    if listener is not None:
        await listener.stop()
