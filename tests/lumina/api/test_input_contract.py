"""What the API takes, as its OpenAPI document says: integers the database can hold, written plainly; text without
NUL characters; bodies it cannot parse, methods a path does not have, each refused in the one error shape."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lumina.db import Database
from lumina.errors import BadRequestError
from lumina.families.service import create_family as create_family_in_service
from lumina.kit.crypto import SecretBox
from lumina.models import Family, FamilyShop, User
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_shop
from tests.lumina.auth.support import SignedIn

ADMIN = "/api/v1/admin"
ORDERS = "/api/v1/orders"
TOO_BIG = [str(2**31), str(2**63 - 1), str(2**63), str(2**64), str(2**70)]
NOT_PLAIN = ["%203001", "3001%20", "3001.0", "+3001", "3e3", "0x10", "%D9%A3"]  # " 3001", "3001 ", ..., Arabic 3


def assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["error"], [item["field"] for item in body["fields"]]) == ("Bad Request", [field]), body


@pytest.mark.parametrize("value", TOO_BIG + NOT_PLAIN)
async def test_ids_in_paths_are_plain_integers_the_database_can_hold(
    client: httpx.AsyncClient, admin: SignedIn, value: str
) -> None:
    for method, path, field in [
        ("GET", f"{ADMIN}/families/{value}", "family_id"),
        ("DELETE", f"{ADMIN}/families/{value}", "family_id"),
        ("GET", f"{ADMIN}/families/{value}/shops", "family_id"),
        ("DELETE", f"{ADMIN}/families/1/shops/{value}", "shop_id"),
        ("GET", f"{ADMIN}/users/{value}", "user_id"),
        ("DELETE", f"{ADMIN}/users/{value}", "user_id"),
        ("GET", f"{ADMIN}/shops/{value}", "shop_id"),
        ("POST", f"{ADMIN}/shops/{value}/check", "shop_id"),
        ("DELETE", f"{ADMIN}/shops/{value}", "shop_id"),
        ("GET", f"{ORDERS}/{value}", "order_id"),
    ]:
        assert_refused(await client.request(method, path, headers=admin.headers), field)


@pytest.mark.parametrize("value", TOO_BIG + NOT_PLAIN)
async def test_ids_and_numbers_in_query_strings_too(client: httpx.AsyncClient, admin: SignedIn, value: str) -> None:
    for path, name in [
        (f"{ADMIN}/users", "familyId"),
        (f"{ADMIN}/links", "familyId"),
        (f"{ADMIN}/links", "shopId"),
        (ORDERS, "limit"),
        (ORDERS, "offset"),
    ]:
        assert_refused(await client.get(f"{path}?{name}={value}", headers=admin.headers), name)


async def test_a_customer_scope_beyond_64_bits_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, admin: SignedIn, database: Database
) -> None:
    async with database.transaction() as session:
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY))
    path = f"{ADMIN}/families/{admin.family.id}/shops/{shop.id}"

    for ids in ([2**64], [2**63], [-1, 7], [0], ["7"], [True], [7.5]):
        assert_refused(await client.put(path, json={"customerIds": ids}, headers=admin.headers), "customerIds.0")
    assert (await client.put(path, json={"customerIds": [2**63 - 1, 7.0]}, headers=admin.headers)).status_code == 201

    async with database.transaction() as session:
        link = (await session.execute(select(FamilyShop))).scalar_one()
    assert link.customer_ids == [7, 2**63 - 1]
    links = await client.get(f"{ADMIN}/links", headers=admin.headers)
    assert links.json()["links"][0]["customerIds"] == [7, 2**63 - 1]


async def test_an_id_in_a_body_is_bounded_too(client: httpx.AsyncClient, admin: SignedIn, database: Database) -> None:
    user = {"email": "new@example.com", "name": "New", "password": "long enough"}
    for family_id in (2**31, 2**63, "1", True, 1.5):
        response = await client.post(f"{ADMIN}/users", json={**user, "familyId": family_id}, headers=admin.headers)
        assert_refused(response, "familyId")
    created = await client.post(
        f"{ADMIN}/users", json={**user, "familyId": float(admin.family.id)}, headers=admin.headers
    )
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("days_back", [157, 157.0])
async def test_days_back_is_an_integer_as_json_schema_counts_them(
    client: httpx.AsyncClient, member: SignedIn, days_back: float
) -> None:
    response = await client.post(f"{ORDERS}/sync", json={"daysBack": days_back}, headers=member.headers)

    # Accepted: the sync is attempted (this test runs no sync engine, hence 503).
    assert response.status_code == 503, response.text


@pytest.mark.parametrize("days_back", [157.5, "157", True, 366, 2**64])
async def test_days_back_that_is_no_such_integer_is_refused(
    client: httpx.AsyncClient, member: SignedIn, days_back: object
) -> None:
    response = await client.post(f"{ORDERS}/sync", json={"daysBack": days_back}, headers=member.headers)

    assert_refused(response, "daysBack")


NUL_BODIES = [
    ("POST", f"{ADMIN}/families", {"name": "The\x00Smiths"}, "name"),
    ("POST", f"{ADMIN}/users", {"familyId": 1, "email": "a@example.com", "name": "A\x00", "password": "x" * 8}, "name"),
    ("POST", "/api/v1/auth/login", {"email": "a\x00@example.com", "password": "whatever"}, "email"),
    ("POST", "/api/v1/auth/login", {"email": "a@example.com", "password": "what\x00ever"}, "password"),
    ("POST", "/api/v1/auth/refresh", {"refreshToken": "lrt_\x00"}, "refreshToken"),
    ("POST", "/api/v1/auth/logout", {"refreshToken": "lrt_\x00"}, "refreshToken"),
    ("PUT", f"{ADMIN}/families/1/shops/1", {"billingEmails": ["a\x00@example.com"]}, "billingEmails"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NUL_BODIES)
async def test_text_with_a_nul_character_is_refused(
    client: httpx.AsyncClient,
    admin: SignedIn,
    database: Database,
    method: str,
    path: str,
    body: dict[str, object],
    field: str,
) -> None:
    response = await client.request(method, path, json=body, headers=admin.headers)

    assert_refused(response, field)
    assert "NUL" in response.json()["fields"][0]["reason"]
    async with database.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(Family))).scalar_one() == 1
        assert (await session.execute(select(func.count()).select_from(User))).scalar_one() == 1


async def test_a_name_with_a_nul_character_is_refused_from_the_command_line_too(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(BadRequestError, match="cannot contain NUL"):
            await create_family_in_service(session, "The\x00Smiths")


async def test_a_body_that_cannot_be_parsed_says_so_with_fields(client: httpx.AsyncClient, admin: SignedIn) -> None:
    headers = {**admin.headers, "Content-Type": "application/json"}
    for content in (b'{"name": "\xff\xfe"}', b'{"name": '):
        response = await client.post(f"{ADMIN}/families", content=content, headers=headers)

        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "Bad Request"
        assert body["fields"]
        assert all(set(item) == {"field", "reason"} for item in body["fields"])


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", f"{ADMIN}/users/1", "DELETE, GET, PATCH"),
        ("PUT", f"{ADMIN}/users/1", "DELETE, GET, PATCH"),
        ("OPTIONS", f"{ORDERS}/sync", "POST"),
        ("GET", f"{ORDERS}/sync", "POST"),
        ("PUT", f"{ORDERS}/sync/status", "GET"),
        ("OPTIONS", f"{ORDERS}/12", "GET"),
        ("POST", f"{ORDERS}/12/status", "PUT"),
    ],
)
async def test_a_method_the_path_does_not_have_is_405_naming_every_method_it_has(
    client: httpx.AsyncClient, admin: SignedIn, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, headers=admin.headers)

    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    assert response.json() == {"error": "Method Not Allowed", "message": "Method Not Allowed"}


async def test_the_document_lists_the_same_methods_and_a_500_everywhere(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert set(document["paths"][f"{ORDERS}/sync/status"]) == {"get"}
    assert set(document["paths"][f"{ADMIN}/users/{{user_id}}"]) == {"get", "patch", "delete"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["500"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }, (method, path)
    user_id = document["paths"][f"{ADMIN}/users/{{user_id}}"]["get"]["parameters"][0]["schema"]
    assert (user_id["type"], user_id["minimum"], user_id["maximum"]) == ("integer", 1, 2**31 - 1)
    link = document["components"]["schemas"]["LinkPut"]["properties"]["customerIds"]["items"]
    assert (link["type"], link["minimum"], link["exclusiveMaximum"]) == ("integer", 1, 2**63)
