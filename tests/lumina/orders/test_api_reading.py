"""The read endpoints over HTTP: the seed's shapes, authentication, family isolation and refused query values."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.db import Database
from tests.lumina.auth.support import SignedIn
from tests.lumina.orders.conftest import Household, make_household

ORDERS = "/api/v1/orders"
VISIBLE = 10


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert body["error"] == error
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


@pytest.mark.parametrize("path", [ORDERS, f"{ORDERS}/stats", f"{ORDERS}/1"])
async def test_every_read_needs_a_token_like_the_seed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "No token provided"}
    bad = await client.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert_error(bad, 401, "Unauthorized")


async def test_the_list_has_the_seed_shape(client: httpx.AsyncClient, member: SignedIn, member_home: Household) -> None:
    response = await client.get(ORDERS, headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"orders", "count"}
    assert body["count"] == VISIBLE
    assert len(body["orders"]) == VISIBLE
    created = [order["date_created"] for order in body["orders"]]
    assert created == sorted(created, reverse=True)  # newest first by default


async def test_an_empty_family_gets_an_empty_list(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.get(ORDERS, headers=member.headers)
    assert response.json() == {"orders": [], "count": 0}


async def test_the_seed_example_query_filters_sorts_and_pages(
    client: httpx.AsyncClient, member: SignedIn, member_home: Household
) -> None:
    response = await client.get(
        f"{ORDERS}?status=processing&limit=10&orderBy=date_created&order=desc", headers=member.headers
    )
    body = response.json()
    assert body["count"] == 2
    assert [order["customer_name"] for order in body["orders"]] == ["Alan Turing", "Ada Lovelace"]
    response = await client.get(
        ORDERS, params={"orderBy": "total", "order": "ASC", "limit": 2, "offset": 1}, headers=member.headers
    )
    body = response.json()
    assert body["count"] == VISIBLE
    assert [order["total"] for order in body["orders"]] == ["5.00", "7.25"]


async def test_the_default_page_is_50_and_the_largest_200(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn
) -> None:
    await make_household(database, context, [{"status": "completed"}] * 210, family=member.family)
    default = (await client.get(ORDERS, headers=member.headers)).json()
    assert (len(default["orders"]), default["count"]) == (50, 210)
    largest = (await client.get(ORDERS, params={"limit": 200}, headers=member.headers)).json()
    assert len(largest["orders"]) == 200
    too_many = await client.get(ORDERS, params={"limit": 201}, headers=member.headers)
    body = assert_error(too_many, 400, "Bad Request")
    assert body["fields"] == [{"field": "limit", "reason": "Input should be less than or equal to 200"}]


@pytest.mark.parametrize(
    ("params", "field", "reason_part"),
    [
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "ten"}, "limit", "valid integer"),
        ({"offset": "-1"}, "offset", "greater than or equal to 0"),
        ({"order": "sideways"}, "order", "'asc' or 'desc'"),
        ({"orderBy": "password_hash"}, "orderBy", "'date_created', 'date_modified', 'total', 'status'"),
        ({"status": "shipped"}, "status", "allowed: pending, processing, on-hold"),
    ],
)
async def test_bad_query_values_answer_400_saying_which_and_why(
    client: httpx.AsyncClient, member: SignedIn, params: dict[str, str], field: str, reason_part: str
) -> None:
    body = assert_error(await client.get(ORDERS, params=params, headers=member.headers), 400, "Bad Request")
    fields = body["fields"]
    assert isinstance(fields, list)
    assert [item["field"] for item in fields] == [field]
    assert reason_part in fields[0]["reason"]
    assert field in str(body["message"])


@pytest.mark.parametrize(
    "attack",
    [
        "date_created; DROP TABLE cached_orders",
        "date_created DESC, (SELECT password_hash FROM users)",
        "(CASE WHEN 1=1 THEN total ELSE id END)",
        "family_id",
        "raw_data",
        "id--",
        "total/**/asc",
        "DATE_CREATED",
    ],
)
async def test_order_by_values_that_try_sql_are_refused_and_change_nothing(
    client: httpx.AsyncClient, member: SignedIn, member_home: Household, attack: str
) -> None:
    for params in ({"orderBy": attack}, {"order": attack}, {"status": attack}):
        assert_error(await client.get(ORDERS, params=params, headers=member.headers), 400, "Bad Request")
    after = (await client.get(ORDERS, headers=member.headers)).json()
    assert after["count"] == VISIBLE


async def test_stats_have_the_seed_keys_with_numbers_not_nulls(
    client: httpx.AsyncClient, member: SignedIn, member_home: Household
) -> None:
    response = await client.get(f"{ORDERS}/stats", headers=member.headers)
    assert response.status_code == 200
    stats = response.json()["stats"]
    for key in ("total_orders", "pending", "processing", "completed", "cancelled"):
        assert isinstance(stats[key], int), key
    assert stats["total_orders"] == VISIBLE
    assert Decimal(stats["total_revenue"]) == Decimal("107.75")
    assert "last_sync" in stats
    assert stats["last_sync"] is None


async def test_stats_of_a_new_family_are_zero(client: httpx.AsyncClient, member: SignedIn) -> None:
    stats = (await client.get(f"{ORDERS}/stats", headers=member.headers)).json()["stats"]
    assert stats["total_orders"] == stats["pending"] == stats["completed"] == 0
    assert stats["total_revenue"] == "0.00"


async def test_one_order_comes_with_its_raw_data(
    client: httpx.AsyncClient, member: SignedIn, member_home: Household
) -> None:
    order = member_home.orders[4]
    response = await client.get(f"{ORDERS}/{order.id}", headers=member.headers)
    assert response.status_code == 200
    body = response.json()["order"]
    assert body["id"] == order.id
    assert body["woocommerce_order_id"] == order.woocommerce_order_id
    assert body["total"] == "100.00"
    assert body["raw_data"] == order.raw_data


async def test_no_id_of_another_family_is_reachable(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn, member_home: Household
) -> None:
    others = await make_household(database, context, [{"status": "processing"}] * 40)
    own = set(member_home.order_ids)
    missing = {"error": "Not Found", "message": "Order not found."}
    for order_id in range(1, max(others.order_ids) + 20):
        response = await client.get(f"{ORDERS}/{order_id}", headers=member.headers)
        visible_own = order_id in own and order_id in {o.id for o in member_home.orders if o.is_visible}
        if visible_own:
            assert response.status_code == 200
        else:
            assert (response.status_code, response.json()) == (404, missing), order_id
    listed = (await client.get(ORDERS, params={"limit": 200}, headers=member.headers)).json()
    assert not {order["id"] for order in listed["orders"]} & set(others.order_ids)


@pytest.mark.parametrize("order_id", ["abc", "0", "-3", "1.5", str(2**31), str(2**70)])
async def test_ids_that_cannot_exist_are_400(client: httpx.AsyncClient, member: SignedIn, order_id: str) -> None:
    body = assert_error(await client.get(f"{ORDERS}/{order_id}", headers=member.headers), 400, "Bad Request")
    assert body["fields"][0]["field"] == "order_id"  # type: ignore[index]


async def test_static_paths_are_never_taken_for_an_id(client: httpx.AsyncClient, member: SignedIn) -> None:
    response = await client.get(f"{ORDERS}/stats", headers=member.headers)
    assert response.status_code == 200
    assert "stats" in response.json()


async def test_the_openapi_schema_documents_every_route_with_its_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    expected = {
        ("get", ORDERS): {"200", "400", "401"},
        ("get", f"{ORDERS}/stats"): {"200", "401"},
        ("get", f"{ORDERS}/{{order_id}}"): {"200", "400", "401", "404"},
        ("put", f"{ORDERS}/{{order_id}}/status"): {"200", "400", "401", "404", "502", "503"},
        ("post", f"{ORDERS}/sync"): {"200", "400", "401", "409", "502", "503"},
        ("post", f"{ORDERS}/sync/all"): {"202", "401", "403"},
        ("get", f"{ORDERS}/sync/status"): {"200", "401"},
    }
    for (method, path), statuses in expected.items():
        operation = spec["paths"][path][method]
        assert statuses <= set(operation["responses"]), (method, path)
        for status in statuses - {"200", "202"}:
            schema = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert schema.rsplit("/", 1)[-1].endswith("ErrorResponse"), (method, path, status)
    stats = spec["components"]["schemas"]["OrderStats"]["properties"]
    assert "processing, on-hold and completed" in stats["total_revenue"]["description"]
    limit = next(p for p in spec["paths"][ORDERS]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (50, 200)
    order_by = next(p for p in spec["paths"][ORDERS]["get"]["parameters"] if p["name"] == "orderBy")
    assert set(order_by["schema"]["enum"]) == {
        "date_created", "date_modified", "total", "status", "customer_name", "woocommerce_order_id", "id",
    }  # fmt: skip


async def test_the_cached_reads_keep_their_models_parameters_and_bearer_scheme_documented(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    models = {ORDERS: "OrderList", f"{ORDERS}/stats": "StatsEnvelope", f"{ORDERS}/{{order_id}}": "OrderEnvelope"}
    for path, model in models.items():
        operation = spec["paths"][path]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert schema.rsplit("/", 1)[-1] == model
        assert operation["security"] == [{"HTTPBearer": []}]
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from POST /api/v1/auth/login.",
    }
    parameters = {p["name"]: p for p in spec["paths"][ORDERS]["get"]["parameters"]}
    assert list(parameters) == ["status", "limit", "offset", "orderBy", "order", "search"]
    assert all(p["in"] == "query" and not p["required"] and p["description"] for p in parameters.values())
    assert parameters["order"]["schema"]["enum"] == ["asc", "desc"]
    assert parameters["offset"]["schema"]["maximum"] == 1_000_000
