"""DNS rebinding: a shop whose name resolved to a public address when it was added, and to loopback now, is refused
when the connection is made (connection check, sync, status write-back), unless private addresses are allowed.

The shop row is written directly, as if its name had been re-pointed after it was added; the simulated shop behind
that name counts every request, so "refused" means nothing reached it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.kit.netguard import is_public_address
from lumina.models import SyncTrigger
from lumina.sync import SyncCoordinator
from tests.conftest import make_settings
from tests.factories import create_order, create_shop, link_family
from tests.lumina.auth.support import SignedIn, client_for, context_with
from tests.lumina.sync.support import make_coordinator, running_engine
from woosim import ShopConfig, ShopServer, SimulatedShop

__all__ = ["running_engine"]


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Production's default: shops added through the API or CLI may not reach private addresses."""
    return make_settings(tmp_path, database.url, sync_requests_per_second=1000.0, allow_private_shop_urls=False)


@pytest.fixture
async def shop_server() -> AsyncIterator[ShopServer]:
    async with ShopServer(SimulatedShop(ShopConfig(seed=11, order_count=20, days=10))) as server:
        yield server


async def rebound_shop(context: ServiceContext, server: ShopServer, member: SignedIn) -> tuple[int, int]:
    """A shop row whose host name now resolves to loopback, linked to the member's family, with one of its orders."""
    key = server.shop.read_write_key
    url = server.base_url.replace("127.0.0.1", "localhost")
    server.shop.home_url = url  # WordPress' home URL is the name, as on a real shop
    order_id = sorted(server.shop.order_ids())[0]
    async with context.database.transaction() as session:
        shop = await create_shop(
            session, context.secret_box, url=url, consumer_key=key.consumer_key, consumer_secret=key.consumer_secret
        )
        await link_family(session, member.family, shop)
        order = await create_order(session, member.family, shop, woocommerce_order_id=order_id)
    return shop.id, order.id


async def test_a_shop_rebound_to_loopback_is_refused_at_connect_time(
    client: httpx.AsyncClient,
    context: ServiceContext,
    running_engine: SyncCoordinator,
    admin: SignedIn,
    member: SignedIn,
    shop_server: ShopServer,
) -> None:
    shop_id, order_id = await rebound_shop(context, shop_server, member)
    shop_server.shop.reset_request_counts()

    checked = await client.post(f"/api/v1/admin/shops/{shop_id}/check", headers=admin.headers)
    synced = await client.post("/api/v1/orders/sync", headers=member.headers)
    written = await client.put(
        f"/api/v1/orders/{order_id}/status", json={"status": "completed"}, headers=member.headers
    )

    assert checked.status_code == 400, checked.text
    assert checked.json()["reason"] == "private_address"
    assert synced.status_code == 502, synced.text
    assert written.status_code == 502, written.text
    for answer in (checked, synced, written):
        assert "private, loopback or link-local" in answer.text
    assert shop_server.shop.request_counts.get("total", 0) == 0


async def test_allowing_private_shop_urls_lets_the_same_shop_be_checked_and_synced(
    tmp_path: Path, database: Database, admin: SignedIn, member: SignedIn, shop_server: ShopServer
) -> None:
    allowed = context_with(tmp_path, database, sync_requests_per_second=1000.0, allow_private_shop_urls=True)
    shop_id, _order_id = await rebound_shop(allowed, shop_server, member)
    async with client_for(allowed) as client:
        checked = await client.post(f"/api/v1/admin/shops/{shop_id}/check", headers=admin.headers)
    synced = await make_coordinator(allowed).sync_shop(shop_id, trigger=SyncTrigger.MANUAL)
    assert checked.status_code == 200, checked.text
    assert synced.status == "succeeded", synced.error
    assert synced.processed == len(shop_server.shop.order_ids())


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2001:4860:4860::8888", True), ("::ffff:8.8.8.8", True), ("127.0.0.1", False),
     ("::1", False), ("::ffff:127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.10", False),
     ("169.254.169.254", False), ("fe80::1%lo", False), ("0.0.0.0", False), ("224.0.0.1", False)],
)  # fmt: skip
def test_the_guard_tells_public_addresses_from_the_services_own_networks(address: str, public: bool) -> None:
    assert is_public_address(address) is public
