"""The family administrator: manages its own family's users and shop links, sees nothing of other families (404
as for missing ones), and can do none of the operator's work. Each boundary on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import Family, ShopConnection, User, UserRole
from tests.factories import create_family, create_shop, create_user, link_family
from tests.lumina.auth.support import SignedIn, sign_in

ADMIN = "/api/v1/admin"


@dataclass
class World:
    steward: SignedIn  # the family administrator of family A
    own: Family  # family A
    other: Family  # family B
    neighbour: User  # a member of B
    operator_in_own: User  # an operator administrator who happens to belong to A
    shared: ShopConnection  # linked to A (scoped to two customers) and to B
    foreign: ShopConnection  # linked to B only


@pytest.fixture
async def world(client: httpx.AsyncClient, database: Database, context: ServiceContext) -> World:
    steward = await sign_in(client, database, role=UserRole.FAMILY_ADMIN)
    async with database.transaction() as session:
        other = await create_family(session, "Neighbours")
        neighbour = await create_user(session, other, email="neighbour@example.com")
        own = await session.get(Family, steward.family.id)
        assert own is not None
        operator_in_own = await create_user(session, own, email="operator@example.com", role=UserRole.ADMIN)
        shared = await create_shop(session, context.secret_box, name="Shared", url="https://shared.example")
        foreign = await create_shop(session, context.secret_box, name="Theirs", url="https://theirs.example")
        await link_family(session, own, shared, customer_ids=[5, 7])
        await link_family(session, other, shared)
        await link_family(session, other, foreign)
    return World(steward, own, other, neighbour, operator_in_own, shared, foreign)


def not_found(response: httpx.Response, what: str) -> None:
    assert response.status_code == 404, response.text
    assert response.json() == {"error": "Not Found", "message": f"{what} not found"}


async def test_sees_only_its_own_family(client: httpx.AsyncClient, world: World) -> None:
    headers = world.steward.headers

    listed = await client.get(f"{ADMIN}/families", headers=headers)
    own = await client.get(f"{ADMIN}/families/{world.own.id}", headers=headers)

    assert [family["id"] for family in listed.json()["families"]] == [world.own.id]
    assert listed.json()["count"] == 1
    assert own.status_code == 200
    assert {user["email"] for user in own.json()["users"]} >= {world.steward.user.email, "operator@example.com"}
    not_found(await client.get(f"{ADMIN}/families/{world.other.id}", headers=headers), f"Family {world.other.id}")
    not_found(await client.get(f"{ADMIN}/families/{world.other.id}/shops", headers=headers), f"Family {world.other.id}")
    # Another family answers exactly as a family that does not exist.
    not_found(await client.get(f"{ADMIN}/families/99999", headers=headers), "Family 99999")


async def test_manages_its_own_familys_users(client: httpx.AsyncClient, world: World, database: Database) -> None:
    headers = world.steward.headers
    body = {"familyId": world.own.id, "email": "kid@example.com", "name": "Kid", "password": "long enough pw"}

    created = await client.post(f"{ADMIN}/users", json=body, headers=headers)
    user_id = created.json()["user"]["id"]
    promoted = await client.patch(f"{ADMIN}/users/{user_id}", json={"role": "family_admin"}, headers=headers)
    disabled = await client.patch(f"{ADMIN}/users/{user_id}", json={"isActive": False}, headers=headers)
    listed = await client.get(f"{ADMIN}/users", headers=headers)
    removed = await client.delete(f"{ADMIN}/users/{user_id}", headers=headers)

    assert created.status_code == 201, created.text
    assert promoted.json()["user"]["role"] == "family_admin"
    assert disabled.json()["user"]["isActive"] is False
    assert {user["familyId"] for user in listed.json()["users"]} == {world.own.id}
    assert "neighbour@example.com" not in listed.text
    assert removed.status_code == 204


async def test_cannot_reach_another_familys_users(client: httpx.AsyncClient, world: World) -> None:
    headers, neighbour = world.steward.headers, world.neighbour.id
    body = {"familyId": world.other.id, "email": "mole@example.com", "name": "Mole", "password": "long enough pw"}

    not_found(await client.get(f"{ADMIN}/users", params={"familyId": world.other.id}, headers=headers),
              f"Family {world.other.id}")  # fmt: skip
    not_found(await client.post(f"{ADMIN}/users", json=body, headers=headers), f"Family {world.other.id}")
    not_found(await client.get(f"{ADMIN}/users/{neighbour}", headers=headers), f"User {neighbour}")
    not_found(
        await client.patch(f"{ADMIN}/users/{neighbour}", json={"name": "x"}, headers=headers), f"User {neighbour}"
    )
    not_found(await client.delete(f"{ADMIN}/users/{neighbour}", headers=headers), f"User {neighbour}")


async def test_cannot_make_or_touch_an_operator_administrator(client: httpx.AsyncClient, world: World) -> None:
    headers, operator = world.steward.headers, world.operator_in_own.id
    body = {"familyId": world.own.id, "email": "boss@example.com", "name": "Boss", "password": "long enough pw",
            "role": "admin"}  # fmt: skip

    create_admin = await client.post(f"{ADMIN}/users", json=body, headers=headers)
    promote_self = await client.patch(f"{ADMIN}/users/{world.steward.user.id}", json={"role": "admin"}, headers=headers)
    demote = await client.patch(f"{ADMIN}/users/{operator}", json={"role": "member"}, headers=headers)
    password = await client.patch(f"{ADMIN}/users/{operator}", json={"password": "taken over!"}, headers=headers)
    delete = await client.delete(f"{ADMIN}/users/{operator}", headers=headers)

    for response in (create_admin, promote_self, demote, password, delete):
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "Forbidden"
    seen = await client.get(f"{ADMIN}/users/{operator}", headers=headers)  # one of its family: shown, not changed
    assert seen.json()["user"]["role"] == "admin"
    me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.json()["user"]["role"] == "family_admin"


async def test_may_narrow_or_drop_its_links_but_never_widen_or_add(client: httpx.AsyncClient, world: World) -> None:
    headers = world.steward.headers
    own_link = f"{ADMIN}/families/{world.own.id}/shops/{world.shared.id}"

    links = await client.get(f"{ADMIN}/links", headers=headers)
    widened = await client.put(own_link, json={"customerIds": [5, 7, 9]}, headers=headers)
    unscoped = await client.put(own_link, json={}, headers=headers)
    by_email = await client.put(own_link, json={"billingEmails": ["a@example.com"]}, headers=headers)
    added = await client.put(f"{ADMIN}/families/{world.own.id}/shops/{world.foreign.id}", json={}, headers=headers)
    narrowed = await client.put(own_link, json={"customerIds": [7]}, headers=headers)

    assert [(link["familyId"], link["shopId"]) for link in links.json()["links"]] == [(world.own.id, world.shared.id)]
    for response in (widened, unscoped, by_email):
        assert response.status_code == 403, response.text
        assert "narrow" in response.json()["message"]
    not_found(added, f"Shop {world.foreign.id}")
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["link"]["customerIds"] == [7]
    assert (await client.delete(own_link, headers=headers)).status_code == 204
    not_found(await client.put(own_link, json={"customerIds": [7]}, headers=headers), f"Shop {world.shared.id}")


async def test_cannot_touch_another_familys_links(client: httpx.AsyncClient, world: World) -> None:
    headers = world.steward.headers
    theirs = f"{ADMIN}/families/{world.other.id}/shops/{world.shared.id}"

    not_found(await client.get(f"{ADMIN}/links", params={"familyId": world.other.id}, headers=headers),
              f"Family {world.other.id}")  # fmt: skip
    not_found(await client.put(theirs, json={"customerIds": [1]}, headers=headers), f"Family {world.other.id}")
    not_found(await client.delete(theirs, headers=headers), f"Family {world.other.id}")
    only_shop = await client.get(f"{ADMIN}/links", params={"shopId": world.shared.id}, headers=headers)
    assert [link["familyId"] for link in only_shop.json()["links"]] == [world.own.id]


async def test_the_operators_work_is_refused(client: httpx.AsyncClient, world: World) -> None:
    headers = world.steward.headers
    operator_only = [
        ("POST", f"{ADMIN}/families", {"name": "New"}),
        ("DELETE", f"{ADMIN}/families/{world.other.id}", None),
        ("GET", f"{ADMIN}/shops", None),
        ("GET", f"{ADMIN}/shops/{world.shared.id}", None),
        (
            "POST",
            f"{ADMIN}/shops",
            {"name": "x", "url": "https://x.example", "consumerKey": "k", "consumerSecret": "s"},
        ),
        ("PATCH", f"{ADMIN}/shops/{world.shared.id}", {"name": "Mine"}),
        ("POST", f"{ADMIN}/shops/{world.shared.id}/check", None),
        ("DELETE", f"{ADMIN}/shops/{world.shared.id}", None),
        ("GET", f"{ADMIN}/sync/runs", None),
        ("POST", "/api/v1/orders/sync/all", None),
    ]
    for method, path, body in operator_only:
        response = await client.request(method, path, json=body, headers=headers)

        assert response.status_code == 403, (method, path, response.text)
        assert "operator" in response.json()["message"]


async def test_the_operator_creates_a_family_administrator_who_can_sign_in(
    client: httpx.AsyncClient, admin: SignedIn
) -> None:
    body = {"familyId": admin.family.id, "email": "steward@example.com", "name": "Steward",
            "password": "long enough pw", "role": "family_admin"}  # fmt: skip

    created = await client.post(f"{ADMIN}/users", json=body, headers=admin.headers)
    login = await client.post("/api/v1/auth/login", json={"email": body["email"], "password": body["password"]})

    assert created.status_code == 201
    assert created.json()["user"]["role"] == "family_admin"
    assert login.json()["user"]["role"] == "family_admin"
