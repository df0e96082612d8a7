"""Start-up and shut-down of the service's long-lived parts, in order, and the routers it serves."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from lumina import demo
from lumina.admin import endpoints as admin_endpoints
from lumina.auth import endpoints as auth_endpoints
from lumina.auth.passwords import configure_password_hashing, prepare_for_logins
from lumina.config import Environment
from lumina.context import ServiceContext
from lumina.db import migrate
from lumina.demo import DemoShop
from lumina.jobs import runtime as jobs_runtime
from lumina.kit.heap import settle_after_startup
from lumina.live import runtime as live_runtime
from lumina.logging import get_logger
from lumina.orders import endpoints as orders_endpoints
from lumina.orders import events as orders_events
from lumina.orders.sync_control import wait_for_background_runs
from lumina.shops.default import ensure_default_shop
from lumina.shops.startup_check import check_default_shop
from lumina.webhooks import endpoints as webhook_endpoints

logger = get_logger("lumina.lifecycle")


def api_routers() -> list[APIRouter]:
    # Starlette tries routes in order: the orders API, which the devices poll, comes first (bench/README.md).
    return [
        orders_events.router,
        orders_endpoints.router,
        auth_endpoints.router,
        admin_endpoints.router,
        webhook_endpoints.router,
    ]


async def start(context: ServiceContext) -> None:
    configure_password_hashing(context.settings)
    prepare_for_logins()
    await migrate.upgrade(context.database)
    if context.settings.lumina_env is Environment.DEMO:
        await demo.seed_demo_accounts(context)
    default_shop = await ensure_default_shop(context)
    if default_shop is not None:  # checked in the background: start-up does not wait for the shop
        check = asyncio.create_task(check_default_shop(context, default_shop.id), name="shops.check_default")
        check.add_done_callback(_log_failure)
        context.components["default_shop_check"] = check
    settle_after_startup()
    await jobs_runtime.start(context)
    await live_runtime.start(context)
    logger.info(
        "service started",
        database=context.database.engine.dialect.name,
        environment=context.settings.lumina_env.value,
        woocommerce_configured=context.settings.shop_configured,
    )


async def stop(context: ServiceContext) -> None:
    """Stop taking sync work, let the page in hand finish, then close the database."""
    check: asyncio.Task[None] | None = context.components.pop("default_shop_check", None)
    if check is not None and not check.done():
        check.cancel()
        await asyncio.gather(check, return_exceptions=True)
    await jobs_runtime.stop(context)
    await live_runtime.stop(context)
    await wait_for_background_runs()
    await context.close()
    demo_shop: DemoShop | None = context.components.pop("demo_shop", None)
    if demo_shop is not None:
        await asyncio.to_thread(demo_shop.stop)
    logger.info("service stopped")


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the default shop's check crashed", exc_info=task.exception())
