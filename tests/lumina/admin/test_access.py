"""Every admin route refuses strangers with 401 and members with 403, in the seed's error shape."""

from __future__ import annotations

import re

import httpx

from tests.lumina.auth.support import SignedIn


async def admin_routes(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every admin route, as the OpenAPI document lists it, with ids filled in."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in paths.items()
        if path.startswith("/api/v1/admin/")
        for method in operations
    ]


async def test_the_admin_api_has_the_documented_routes(client: httpx.AsyncClient) -> None:
    assert set(await admin_routes(client)) >= {
        ("GET", "/api/v1/admin/families"),
        ("POST", "/api/v1/admin/families"),
        ("GET", "/api/v1/admin/families/1"),
        ("DELETE", "/api/v1/admin/families/1"),
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users"),
        ("PATCH", "/api/v1/admin/users/1"),
        ("DELETE", "/api/v1/admin/users/1"),
        ("GET", "/api/v1/admin/shops"),
        ("POST", "/api/v1/admin/shops"),
        ("POST", "/api/v1/admin/shops/1/check"),
        ("PATCH", "/api/v1/admin/shops/1"),
        ("GET", "/api/v1/admin/sync/runs"),
        ("DELETE", "/api/v1/admin/shops/1"),
        ("PUT", "/api/v1/admin/families/1/shops/1"),
        ("GET", "/api/v1/admin/families/1/shops"),
        ("DELETE", "/api/v1/admin/families/1/shops/1"),
    }


async def test_members_get_403_on_every_admin_route(client: httpx.AsyncClient, member: SignedIn) -> None:
    for method, path in await admin_routes(client):
        response = await client.request(method, path, headers=member.headers, json={})

        assert response.status_code == 403, (method, path)
        assert response.json() == {"error": "Forbidden", "message": "This needs an administrator"}


async def test_strangers_get_401_on_every_admin_route(client: httpx.AsyncClient) -> None:
    for method, path in await admin_routes(client):
        response = await client.request(method, path, json={})

        assert response.status_code == 401, (method, path)
        assert response.json() == {"error": "Unauthorized", "message": "No token provided"}


async def test_admins_pass(client: httpx.AsyncClient, admin: SignedIn) -> None:
    response = await client.get("/api/v1/admin/families", headers=admin.headers)

    assert response.status_code == 200
