"""The operator's view of every shop and every run: `GET /admin/shops` health and `GET /admin/sync/runs`, after
real syncs of simulated shops over loopback HTTP (and of a shop where nothing listens)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import ShopSyncState, SyncRun, SyncTrigger
from lumina.sync import SyncCoordinator
from lumina.sync.state import ShopLease
from tests.factories import create_family, create_shop, link_family
from tests.lumina.auth.support import SignedIn
from tests.lumina.sync.support import Linked, add_shop, make_coordinator
from woosim import ShopConfig, ShopServer, SimulatedShop

SHOPS = "/api/v1/admin/shops"
RUNS = "/api/v1/admin/sync/runs"


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[SimulatedShop, ShopServer]]:
    with SimulatedShop(ShopConfig(seed=21, order_count=30, days=10)) as shop, ShopServer(shop) as server:
        yield shop, server


@pytest.fixture
async def coordinator(context: ServiceContext) -> AsyncIterator[SyncCoordinator]:
    engine = make_coordinator(context)
    yield engine
    await engine.stop()


async def shared_shop(context: ServiceContext, store: tuple[SimulatedShop, ShopServer]) -> Linked:
    """The simulated store, linked to two families (each holds its own copy of every order)."""
    shop, server = store
    return await add_shop(context, server, shop, families=2)


async def dead_shop(context: ServiceContext, url: str) -> int:
    """A shop where nothing listens, linked to a family (a shop nobody sees is not synced at all)."""
    async with context.database.transaction() as session:
        row = await create_shop(
            session, context.secret_box, url=url, name="Gone", consumer_key="ck_Dead-Key-0001",
            consumer_secret="cs_Dead-Secret-Wibble-0001",
        )  # fmt: skip
        await link_family(session, await create_family(session), row)
    return row.id


async def health_of(client: httpx.AsyncClient, admin: SignedIn, shop_id: int) -> dict[str, object]:
    response = await client.get(f"{SHOPS}/{shop_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    health: dict[str, object] = response.json()["shop"]["health"]
    return health


async def test_a_healthy_shop_shows_its_last_success_lag_and_orders(
    client: httpx.AsyncClient,
    admin: SignedIn,
    context: ServiceContext,
    coordinator: SyncCoordinator,
    store: tuple[SimulatedShop, ShopServer],
) -> None:
    linked = await shared_shop(context, store)
    never = await health_of(client, admin, linked.shop_id)
    result = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.ADMIN)

    health = await health_of(client, admin, linked.shop_id)
    listed = (await client.get(SHOPS, headers=admin.headers)).json()["shops"]

    assert never["lastSuccessAt"] is None
    assert never["lagSeconds"] is None
    assert never["ordersMirrored"] == 0
    assert result.status == "succeeded"
    assert health["lastSuccessAt"] is not None
    assert health["lastError"] is None
    assert health["consecutiveFailures"] == 0
    assert isinstance(health["lagSeconds"], float)
    assert 0 <= health["lagSeconds"] < 600
    assert health["ordersMirrored"] == result.created  # distinct orders, though two families hold a copy each
    assert health["ordersMirrored"] == store[0].order_count == 30
    assert health["intervalMinutes"] == context.settings.sync_interval
    assert health["syncing"] is False
    assert health["webhook"] is None
    in_list = next(shop for shop in listed if shop["id"] == linked.shop_id)["health"]
    assert {**in_list, "lagSeconds": None} == {**health, "lagSeconds": None}  # the lag grows between the two


async def test_a_failing_shop_shows_its_failures_error_and_backoff(
    client: httpx.AsyncClient,
    admin: SignedIn,
    context: ServiceContext,
    coordinator: SyncCoordinator,
    closed_port_url: str,
) -> None:
    shop_id = await dead_shop(context, closed_port_url)
    for _ in range(2):
        await coordinator.sync_shop(shop_id, trigger=SyncTrigger.ADMIN)

    health = await health_of(client, admin, shop_id)

    assert health["consecutiveFailures"] == 2
    assert health["lastSuccessAt"] is None
    assert isinstance(health["lastError"], str)
    assert health["lastError"]
    assert isinstance(health["nextAttemptAt"], str)
    assert datetime.fromisoformat(health["nextAttemptAt"]) > datetime.now(UTC)


async def test_a_stored_error_never_shows_the_shops_keys(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, database: Database, closed_port_url: str
) -> None:
    shop_id = await dead_shop(context, closed_port_url)
    leaked = (
        "GET https://shop.example/wp-json/wc/v3/orders?consumer_key=ck_Dead-Key-0001&"
        "consumer_secret=cs_Dead-Secret-Wibble-0001 failed; secret cs_Dead-Secret-Wibble-0001"
    )
    async with database.transaction() as session:
        session.add(ShopSyncState(shop_id=shop_id, consecutive_failures=1, last_error=leaked))
        session.add(SyncRun(shop_id=shop_id, trigger="admin", status="failed", error=leaked))

    shop = await client.get(f"{SHOPS}/{shop_id}", headers=admin.headers)
    runs = await client.get(RUNS, headers=admin.headers)

    for response in (shop, runs):
        assert "Dead-Secret-Wibble" not in response.text
        assert "Dead-Key-0001" not in response.text
        assert "[redacted]" in response.text


async def test_a_running_sync_shows(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext, store: tuple[SimulatedShop, ShopServer]
) -> None:
    linked = await shared_shop(context, store)
    lease = ShopLease(context.database, linked.shop_id, "another-host:1:abc", ttl=timedelta(minutes=5))
    assert await lease.acquire()

    assert (await health_of(client, admin, linked.shop_id))["syncing"] is True


async def test_the_run_history_is_newest_first_filtered_and_paginated(
    client: httpx.AsyncClient,
    admin: SignedIn,
    context: ServiceContext,
    database: Database,
    coordinator: SyncCoordinator,
    store: tuple[SimulatedShop, ShopServer],
    closed_port_url: str,
) -> None:
    good = await shared_shop(context, store)
    bad = await dead_shop(context, closed_port_url)
    first = await coordinator.sync_shop(good.shop_id, trigger=SyncTrigger.ADMIN)
    failed = await coordinator.sync_shop(bad, trigger=SyncTrigger.SCHEDULE)
    second = await coordinator.sync_shop(good.shop_id, trigger=SyncTrigger.MANUAL, family_id=good.family_ids[0])
    # Runs started in the same clock tick still come newest first (by id); spread them to test the time filter.
    async with database.transaction() as session:
        for run_id, hours_ago in ((first.run_id, 3), (failed.run_id, 2), (second.run_id, 1)):
            started = datetime.now(UTC) - timedelta(hours=hours_ago)
            await session.execute(update(SyncRun).where(SyncRun.id == run_id).values(started_at=started))

    async def ids(**params: str | int) -> list[int]:
        response = await client.get(RUNS, params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        return [run["id"] for run in response.json()["runs"]]

    everything = (await client.get(RUNS, headers=admin.headers)).json()
    page = (await client.get(RUNS, params={"limit": 1, "offset": 1}, headers=admin.headers)).json()
    since = (datetime.now(UTC) - timedelta(minutes=150)).isoformat()

    assert [run["id"] for run in everything["runs"]] == [second.run_id, failed.run_id, first.run_id]
    assert everything["total"] == 3
    newest = everything["runs"][0]
    assert newest["trigger"] == "manual"
    assert newest["familyId"] == good.family_ids[0]
    assert newest["status"] == "succeeded"
    assert newest["requests"] >= 1
    assert newest["pages"] >= 1
    assert {"processed", "created", "updated", "unchanged", "deleted", "durationSeconds", "finishedAt"} <= set(newest)
    assert everything["runs"][2]["created"] == first.created
    assert page["runs"][0]["id"] == failed.run_id
    assert (page["count"], page["total"], page["limit"], page["offset"]) == (1, 3, 1, 1)
    assert await ids(shopId=good.shop_id) == [second.run_id, first.run_id]
    assert await ids(status="failed") == [failed.run_id]
    assert everything["runs"][1]["error"]
    assert await ids(trigger="schedule") == [failed.run_id]
    assert await ids(familyId=good.family_ids[1]) == [second.run_id, first.run_id]  # the runs of its shops
    assert await ids(**{"from": since}) == [second.run_id, failed.run_id]
    assert await ids(to=since) == [first.run_id]


async def test_bad_filters_are_400_in_the_error_shape(client: httpx.AsyncClient, admin: SignedIn) -> None:
    for params in ({"status": "exploded"}, {"limit": 0}, {"limit": 201}, {"from": "yesterday"}, {"shopId": 2**40}):
        response = await client.get(RUNS, params=params, headers=admin.headers)

        assert response.status_code == 400, params
        assert response.json()["error"] == "Bad Request"
        assert response.json()["fields"]


async def test_the_shop_list_comes_a_page_at_a_time(
    client: httpx.AsyncClient, admin: SignedIn, context: ServiceContext
) -> None:
    async with context.database.transaction() as session:
        ids = [(await create_shop(session, context.secret_box, url=f"https://s{n}.example")).id for n in range(3)]

    first = (await client.get(SHOPS, params={"limit": 2}, headers=admin.headers)).json()
    rest = (await client.get(SHOPS, params={"limit": 2, "offset": 2}, headers=admin.headers)).json()
    too_many = await client.get(SHOPS, params={"limit": 501}, headers=admin.headers)

    assert [shop["id"] for shop in first["shops"] + rest["shops"]] == ids
    assert (first["count"], first["total"], rest["count"], rest["total"]) == (2, 3, 1, 3)
    assert too_many.status_code == 400
