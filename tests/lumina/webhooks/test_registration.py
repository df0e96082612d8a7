"""Registration on the simulated shop over real HTTP: created once, re-activated when the shop disabled one (and
counted), stale ones removed, other software's webhooks never touched."""

from __future__ import annotations

import httpx

from lumina.context import ServiceContext
from lumina.live import runtime as live_runtime
from lumina.models import UserRole
from lumina.shops import service as shops
from lumina.shops.schemas import ShopOut, WebhookOut
from lumina.webhooks.registration import Registrar
from lumina.webhooks.upkeep import keep_webhooks
from tests.lumina.auth.support import sign_in
from tests.lumina.sync.support import Linked, wait_until
from tests.lumina.webhooks.support import client_of, register
from woosim import ShopServer, SimulatedShop

TOPICS = {"order.created", "order.updated", "order.deleted", "order.restored"}


async def webhook_health(context: ServiceContext, shop_id: int) -> WebhookOut | None:
    """The shop's webhook state as the admin API shows it."""
    async with context.database.transaction() as session:
        summary = await shops.shop_summary(session, context, await shops.get_shop(session, shop_id))
    return ShopOut.of(summary).health.webhook


async def test_registered_once_reactivated_and_tidied(
    service: ServiceContext, linked: Linked, woo_shop: SimulatedShop
) -> None:
    foreign = woo_shop.create_webhook("order.updated", "https://crm.example/hook", secret="theirs")
    first = await register(service, linked.shop_id)
    url = Registrar(service).url_for(linked.shop_id)
    ours = [hook for hook in woo_shop.webhooks.all() if hook.delivery_url == url]
    assert {hook.topic for hook in ours} == TOPICS
    assert all(hook.status == "active" for hook in ours)
    assert (first.created, first.reactivated, first.removed) == (4, 0, 0)

    again = await register(service, linked.shop_id)
    assert (again.created, again.reactivated, again.removed) == (0, 0, 0)
    assert len(woo_shop.webhooks.all()) == 5

    woo_shop.webhooks.update(ours[1], status="disabled")  # as after more than five failed deliveries
    repaired = await register(service, linked.shop_id)
    assert repaired.reactivated == 1
    assert repaired.reactivations_total == 1
    assert woo_shop.webhooks.get(ours[1].id).status == "active"  # type: ignore[union-attr]
    health = await webhook_health(service, linked.shop_id)
    assert health is not None
    assert health.active
    assert set(health.topics) == TOPICS
    assert health.reactivations == 1

    service.settings.public_url = "http://127.0.0.1:1/moved"
    moved = await register(service, linked.shop_id)
    assert (moved.created, moved.removed) == (4, 4)
    assert woo_shop.webhooks.get(foreign.id) is not None

    async with await client_of(service, linked.shop_id) as client:
        assert await Registrar(service).remove(linked.shop_id, client) == 4
    assert [hook.id for hook in woo_shop.webhooks.all()] == [foreign.id]
    assert await webhook_health(service, linked.shop_id) is None


async def test_a_shop_added_through_the_admin_api_gets_its_webhooks(
    service: ServiceContext, shop_server: ShopServer, woo_shop: SimulatedShop
) -> None:
    async with httpx.AsyncClient(base_url=service.settings.public_url) as http:
        admin = await sign_in(http, service.database, role=UserRole.ADMIN)
        body = {"name": "Added", "url": shop_server.base_url, "consumerKey": woo_shop.read_write_key.consumer_key,
                "consumerSecret": woo_shop.read_write_key.consumer_secret, "check": False}  # fmt: skip
        created = await http.post("/api/v1/admin/shops", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    await wait_until(lambda: len(woo_shop.webhooks.all()) == 4)  # registered after the answer, in the background
    url = Registrar(service).url_for(created.json()["shop"]["id"])
    assert {hook.delivery_url for hook in woo_shop.webhooks.all()} == {url}


async def test_the_service_registers_every_shops_webhooks_at_start_up(
    service: ServiceContext, linked: Linked, woo_shop: SimulatedShop
) -> None:
    await live_runtime.start(service)
    try:
        await wait_until(lambda: len(woo_shop.webhooks.all()) == 4)
    finally:
        await live_runtime.stop(service)
    assert {hook.delivery_url for hook in woo_shop.webhooks.all()} == {Registrar(service).url_for(linked.shop_id)}


async def test_without_public_url_nothing_is_registered(
    service: ServiceContext, linked: Linked, woo_shop: SimulatedShop
) -> None:
    service.settings.public_url = ""
    await live_runtime.start(service)
    await live_runtime.stop(service)
    await keep_webhooks(service)
    assert woo_shop.webhooks.all() == []
