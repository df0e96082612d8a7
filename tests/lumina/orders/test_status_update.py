"""PUT /{id}/status against the simulated shop on a real loopback port: the shop first, then the cache from the
shop's answer; nothing sent when the status is already right; every shop failure a 502 with the cache untouched."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import FamilyShop, OrderStatusChange, ShopConnection
from lumina.orders.read_cache import read_cache_of
from lumina.shops.connect import build_client
from lumina.sync.writer import write_shop_orders
from lumina.woocommerce import ORDER_STATUSES, OrderQuery, WooOrder
from tests.factories import create_order, create_shop, link_family
from tests.lumina.auth.support import SignedIn, sign_in
from tests.lumina.shops.servers import serve
from tests.lumina.woocommerce.recordings import recording
from woosim import ApiKey, FaultRule, ShopConfig, ShopServer, SimulatedShop

ORDERS = "/api/v1/orders"
PUT_ORDER = "PUT /wp-json/wc/v3/orders"


@dataclass
class Mirrored:
    """A simulated shop, its connection row, and the member whose family mirrors it."""

    shop: SimulatedShop
    server: ShopServer
    row: ShopConnection
    member: SignedIn

    def shop_counts(self) -> dict[str, int]:
        return dict(self.shop.request_counts)

    async def cached(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        response = await client.get(ORDERS, params={"limit": 200}, headers=self.member.headers)
        orders: list[dict[str, Any]] = response.json()["orders"]
        return orders

    async def one(self, client: httpx.AsyncClient, order_id: int) -> dict[str, Any]:
        response = await client.get(f"{ORDERS}/{order_id}", headers=self.member.headers)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()["order"]
        return order


@pytest.fixture
async def shop_server() -> AsyncIterator[ShopServer]:
    async with ShopServer(SimulatedShop(ShopConfig(seed=3, order_count=30))) as server:
        yield server


async def mirror(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, server: ShopServer, key: ApiKey
) -> Mirrored:
    """A signed-in member whose family is linked to the shop, with the shop's orders written to the cache."""
    member = await sign_in(client, database)
    async with database.transaction() as session:
        row = await create_shop(
            session,
            context.secret_box,
            url=server.base_url,
            consumer_key=key.consumer_key,
            consumer_secret=key.consumer_secret,
        )
        await link_family(session, member.family, row)
    orders: list[WooOrder] = []
    async with build_client(context.settings, context.secret_box, row) as woo:
        async for page in woo.iter_order_pages(OrderQuery(statuses=ORDER_STATUSES)):
            orders.extend(page.orders)
    async with database.transaction() as session:
        await write_shop_orders(session, row.id, orders, retention_cutoff=None)
    server.shop.reset_request_counts()
    return Mirrored(server.shop, server, row, member)


@pytest.fixture
async def mirrored(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, shop_server: ShopServer
) -> Mirrored:
    key = shop_server.shop.read_write_key
    return await mirror(client, database, context, shop_server, key)


def other_status(status: str) -> str:
    return "completed" if status != "completed" else "on-hold"


async def put_status(client: httpx.AsyncClient, who: SignedIn, order_id: int, body: object) -> httpx.Response:
    return await client.put(f"{ORDERS}/{order_id}/status", json=body, headers=who.headers)


async def test_the_status_is_written_to_the_shop_and_the_cache_follows_its_answer(
    client: httpx.AsyncClient, mirrored: Mirrored
) -> None:
    before = (await mirrored.cached(client))[0]
    wanted = other_status(before["status"])

    response = await put_status(client, mirrored.member, before["id"], {"status": wanted})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert body["message"] == "Order status updated"
    assert body["order"]["status"] == wanted
    on_shop = mirrored.shop.get_order(before["woocommerce_order_id"])
    assert on_shop["status"] == wanted
    assert mirrored.shop_counts().get("put_order") == 1
    after = await mirrored.one(client, before["id"])
    assert after["status"] == wanted
    assert after["raw_data"]["status"] == wanted
    assert after["raw_data"]["date_modified_gmt"] == on_shop["date_modified_gmt"]
    assert after["date_modified"] >= before["date_modified"]


async def test_a_status_written_back_shows_in_the_very_next_reads(
    client: httpx.AsyncClient, context: ServiceContext, mirrored: Mirrored
) -> None:
    """The read cache of this process is told as soon as the write commits: no waiting for its TTL."""
    headers = mirrored.member.headers
    order = (await mirrored.cached(client))[0]
    stats_before = (await client.get(f"{ORDERS}/stats", headers=headers)).json()["stats"]
    await mirrored.one(client, order["id"])
    wanted = other_status(order["status"])
    hits = read_cache_of(context).hits

    assert (await put_status(client, mirrored.member, order["id"], {"status": wanted})).status_code == 200

    assert (await mirrored.one(client, order["id"]))["status"] == wanted
    assert next(o for o in await mirrored.cached(client) if o["id"] == order["id"])["status"] == wanted
    stats = (await client.get(f"{ORDERS}/stats", headers=headers)).json()["stats"]
    key = wanted.replace("-", "_")
    assert stats[key] == stats_before[key] + 1
    assert read_cache_of(context).hits == hits  # every read after the write went to the database


async def test_asking_for_the_status_an_order_has_sends_nothing_to_the_shop(
    client: httpx.AsyncClient, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[1]
    modified_on_shop = mirrored.shop.get_order(order["woocommerce_order_id"])["date_modified_gmt"]

    response = await put_status(client, mirrored.member, order["id"], {"status": order["status"]})

    assert response.status_code == 200, response.text
    assert response.json()["changed"] is False
    assert mirrored.shop_counts().get("put_order", 0) == 0  # no customer email, no new modification time
    assert mirrored.shop.get_order(order["woocommerce_order_id"])["date_modified_gmt"] == modified_on_shop


async def test_a_change_made_on_the_shop_meanwhile_is_picked_up_without_a_write(
    client: httpx.AsyncClient, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[2]
    wanted = other_status(order["status"])
    mirrored.shop.update_order(order["woocommerce_order_id"], status=wanted)  # someone else, in wp-admin

    response = await put_status(client, mirrored.member, order["id"], {"status": wanted})

    assert response.json()["changed"] is False
    assert mirrored.shop_counts().get("put_order", 0) == 0
    assert (await mirrored.one(client, order["id"]))["status"] == wanted


async def test_a_write_that_timed_out_is_read_again_before_it_is_retried(
    client: httpx.AsyncClient, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[3]
    wanted = other_status(order["status"])
    mirrored.shop.faults.add(FaultRule(kind="timeout", latency=0.05, times=1, match=PUT_ORDER))  # a proxy's 504

    response = await put_status(client, mirrored.member, order["id"], {"status": wanted})

    assert response.status_code == 200, response.text
    counts = mirrored.shop_counts()
    assert counts["put_order"] == 2
    assert counts["get_order"] == 2  # the first read, and the re-read after the timeout, before the second PUT
    assert mirrored.shop.get_order(order["woocommerce_order_id"])["status"] == wanted
    assert (await mirrored.one(client, order["id"]))["status"] == wanted


@pytest.mark.parametrize(
    ("fault", "shop_status"),
    [
        (FaultRule(kind="status", status=500, match=PUT_ORDER), 500),
        (FaultRule(kind="captcha", match=PUT_ORDER), 200),
        (FaultRule(kind="status", status=403, match="GET /wp-json/wc/v3/orders/"), 403),
    ],
    ids=["server-error", "captcha-page", "read-refused"],
)
async def test_a_failing_shop_answers_502_with_its_reason_and_the_cache_is_unchanged(
    client: httpx.AsyncClient, mirrored: Mirrored, fault: FaultRule, shop_status: int
) -> None:
    order = (await mirrored.cached(client))[0]
    before = await mirrored.one(client, order["id"])
    mirrored.shop.faults.add(fault)

    response = await put_status(client, mirrored.member, order["id"], {"status": other_status(order["status"])})

    assert response.status_code == 502, response.text
    body = response.json()
    assert body["error"] == "Bad Gateway"
    assert body["message"].startswith("The shop did not ")
    assert body["shop"]["status"] == shop_status
    assert_no_secrets(response, mirrored)
    assert await mirrored.one(client, order["id"]) == before
    assert mirrored.shop.get_order(order["woocommerce_order_id"])["status"] == order["status"]


async def test_a_read_only_key_gets_the_shops_refusal_and_code(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, shop_server: ShopServer
) -> None:
    assert shop_server.shop.read_only_key is not None
    mirrored = await mirror(client, database, context, shop_server, shop_server.shop.read_only_key)
    order = (await mirrored.cached(client))[0]
    before = await mirrored.one(client, order["id"])

    response = await put_status(client, mirrored.member, order["id"], {"status": other_status(order["status"])})

    assert response.status_code == 502, response.text
    shop = response.json()["shop"]
    assert shop["status"] == 401
    assert shop["code"] == "woocommerce_rest_authentication_error"
    assert shop["message"] == "The shop refused the credentials"  # the client's words, not the shop's
    assert "read-only" in shop["hint"]
    assert_no_secrets(response, mirrored)
    assert await mirrored.one(client, order["id"]) == before


async def test_an_unreachable_shop_answers_502_and_the_cache_is_unchanged(
    client: httpx.AsyncClient, database: Database, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[0]
    before = await mirrored.one(client, order["id"])
    async with database.transaction() as session:  # nothing listens on port 1
        await session.execute(
            update(ShopConnection).where(ShopConnection.id == mirrored.row.id).values(url="http://127.0.0.1:1")
        )

    response = await put_status(client, mirrored.member, order["id"], {"status": other_status(order["status"])})

    assert response.status_code == 502, response.text
    assert response.json()["shop"]["status"] is None
    assert await mirrored.one(client, order["id"]) == before


async def test_an_order_whose_shop_is_no_longer_linked_answers_503(
    client: httpx.AsyncClient, database: Database, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[0]
    async with database.transaction() as session:
        await session.execute(delete(FamilyShop).where(FamilyShop.shop_id == mirrored.row.id))

    response = await put_status(client, mirrored.member, order["id"], {"status": other_status(order["status"])})

    assert response.status_code == 503, response.text
    assert response.json()["error"] == "Service Unavailable"
    assert not any(mirrored.shop_counts().values())


@pytest.mark.parametrize(
    "body",
    [
        {"status": "trash"},
        {"status": "checkout-draft"},
        {"status": "shipped"},
        {"status": "COMPLETED"},
        {"status": ""},
        {"status": None},
        {"status": 5},
        {},
        {"status": "completed", "total": "0.00"},
        ["completed"],
    ],
)
async def test_invalid_bodies_are_refused_before_the_shop_is_asked(
    client: httpx.AsyncClient, mirrored: Mirrored, body: object
) -> None:
    order = (await mirrored.cached(client))[0]
    response = await put_status(client, mirrored.member, order["id"], body)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["error"] == "Bad Request"
    assert problem["fields"]
    if isinstance(body, dict) and set(body) == {"status"}:
        assert "'pending', 'processing', 'on-hold'" in problem["message"]  # the allowed values are named
    assert not any(mirrored.shop_counts().values())


async def test_no_order_of_another_family_can_be_changed(
    client: httpx.AsyncClient, database: Database, mirrored: Mirrored
) -> None:
    stranger = await sign_in(client, database)
    for order in await mirrored.cached(client):
        response = await put_status(client, stranger, order["id"], {"status": "cancelled"})
        assert (response.status_code, response.json()) == (404, {"error": "Not Found", "message": "Order not found."})
    assert not any(mirrored.shop_counts().values())


async def test_changing_a_status_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{ORDERS}/1/status", json={"status": "completed"})
    assert response.status_code == 401


def assert_no_secrets(response: httpx.Response, mirrored: Mirrored) -> None:
    text = response.text
    for key in (mirrored.shop.read_write_key, mirrored.shop.read_only_key):
        if key is not None:
            assert key.consumer_key not in text
            assert key.consumer_secret not in text
    assert "oauth_signature" not in text
    assert "consumer_secret" not in text


async def test_an_order_deleted_in_the_shop_answers_404_and_leaves_every_view(
    client: httpx.AsyncClient, mirrored: Mirrored
) -> None:
    """WooCommerce's "Invalid ID" means the order is gone for good: it leaves the mirror as a deletion would."""
    orders = await mirrored.cached(client)
    gone = orders[0]
    mirrored.shop.delete_order(gone["woocommerce_order_id"])

    response = await put_status(client, mirrored.member, gone["id"], {"status": other_status(gone["status"])})

    assert response.status_code == 404, response.text
    assert response.json()["error"] == "Not Found"
    assert "deleted in the shop" in response.json()["message"]
    assert (await client.get(f"{ORDERS}/{gone['id']}", headers=mirrored.member.headers)).status_code == 404
    assert gone["id"] not in [order["id"] for order in await mirrored.cached(client)]
    stats = (await client.get(f"{ORDERS}/stats", headers=mirrored.member.headers)).json()["stats"]
    assert stats["total_orders"] == len(orders) - 1


def shop_notes(shop: SimulatedShop, woocommerce_order_id: int) -> list[str]:
    return [note.note for note in shop.notes.for_order(shop.orders.require(woocommerce_order_id), shop.store.doc)]


async def status_changes(client: httpx.AsyncClient, who: SignedIn, order_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{ORDERS}/{order_id}/status-changes", headers=who.headers)
    assert response.status_code == 200, response.text
    changes: list[dict[str, Any]] = response.json()["statusChanges"]
    assert response.json()["count"] == len(changes)
    return changes


async def test_a_status_change_is_audited_and_noted_in_the_shop_with_the_user(
    client: httpx.AsyncClient, database: Database, mirrored: Mirrored
) -> None:
    order = (await mirrored.cached(client))[0]
    wanted = other_status(order["status"])
    user = mirrored.member.user

    changed = await put_status(client, mirrored.member, order["id"], {"status": wanted})
    again = await put_status(client, mirrored.member, order["id"], {"status": wanted})

    assert (changed.status_code, again.status_code) == (200, 200)
    notes = shop_notes(mirrored.shop, order["woocommerce_order_id"])
    assert f"to {wanted} in Lumina by {user.name} <{user.email}>" in notes[0]
    assert mirrored.shop_counts().get("put_order") == 1  # the second asked for nothing to be sent
    latest, first = await status_changes(client, mirrored.member, order["id"])
    assert (first["userId"], first["userEmail"], first["fromStatus"], first["toStatus"], first["outcome"]) == (
        user.id, user.email, order["status"], wanted, "changed"
    )  # fmt: skip
    assert first["shopNoteId"] is not None
    assert (latest["fromStatus"], latest["outcome"], latest["shopNoteId"]) == (wanted, "unchanged", None)
    stranger = await sign_in(client, database)
    assert (await client.get(f"{ORDERS}/{order['id']}/status-changes", headers=stranger.headers)).status_code == 404


async def test_a_refused_status_change_is_audited_with_the_reason(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, shop_server: ShopServer
) -> None:
    assert shop_server.shop.read_only_key is not None
    mirrored = await mirror(client, database, context, shop_server, shop_server.shop.read_only_key)
    order = (await mirrored.cached(client))[0]

    response = await put_status(client, mirrored.member, order["id"], {"status": other_status(order["status"])})

    assert response.status_code == 502
    (change,) = await status_changes(client, mirrored.member, order["id"])
    assert change["outcome"] == "refused"
    assert "HTTP 401" in change["reason"]
    assert "woocommerce_rest_authentication_error" in change["reason"]
    assert shop_server.shop.read_only_key.consumer_key not in change["reason"]


class DeletedBetweenReadAndWrite:
    """A shop whose order is read (a recorded order) but deleted before the write: the PUT gets the recorded 400
    "Invalid ID" (order-put-missing), as a real shop answers an order deleted for good."""

    def __init__(self) -> None:
        self.order = json.loads(recording("order-single-eur")["response"]["body_text"])
        self.put = recording("order-put-missing")["response"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "PUT":
            answer = Response(self.put["body_text"], status_code=self.put["status"], media_type="application/json")
        else:
            answer = JSONResponse(self.order)
        await answer(scope, receive, send)


@pytest.fixture
def deleting_shop_url() -> Iterator[str]:
    yield from serve(DeletedBetweenReadAndWrite())


async def test_an_invalid_id_answer_to_the_write_removes_the_order_and_answers_404(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, deleting_shop_url: str
) -> None:
    member = await sign_in(client, database)
    async with database.transaction() as session:
        shop = await create_shop(session, context.secret_box, url=deleting_shop_url)
        await link_family(session, member.family, shop)
        order = await create_order(session, member.family, shop, woocommerce_order_id=43, status="completed")

    response = await put_status(client, member, order.id, {"status": "processing"})

    assert response.status_code == 404, response.text
    assert (await client.get(f"{ORDERS}/{order.id}", headers=member.headers)).status_code == 404
    async with database.transaction() as session:
        (change,) = (await session.scalars(select(OrderStatusChange))).all()
    assert (change.outcome, change.from_status, change.to_status) == ("not_found", "completed", "processing")
