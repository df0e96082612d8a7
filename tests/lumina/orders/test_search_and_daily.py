"""`search` on the order list and the per-day series of `/stats/daily`, over HTTP on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.db import Database
from tests.lumina.auth.support import SignedIn
from tests.lumina.orders.conftest import Household, make_household

ORDERS = "/api/v1/orders"
DAILY = "/api/v1/orders/stats/daily"


@pytest.fixture
async def customers(database: Database, context: ServiceContext, member: SignedIn) -> Household:
    return await make_household(
        database,
        context,
        [
            {"woocommerce_order_id": 4711, "customer_name": "Ada Lovelace", "billing_email": "ada@example.com"},
            {"woocommerce_order_id": 4712, "customer_name": "Alan Turing", "billing_email": "alan@bletchley.org"},
            {"woocommerce_order_id": 5800, "customer_name": "Grace 100% Hopper", "billing_email": "grace@navy.mil"},
            {"woocommerce_order_id": 5801, "customer_name": "Edsger_Dijkstra", "billing_email": None},
            {"woocommerce_order_id": 5802, "status": "trash", "customer_name": "Ada In The Trash"},
        ],
        family=member.family,
    )


async def _names(client: httpx.AsyncClient, member: SignedIn, **params: str | int) -> list[str]:
    response = await client.get(ORDERS, params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["orders"])
    return sorted(order["customer_name"] for order in body["orders"])


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ada", ["Ada Lovelace"]),  # a customer's name, any case; never a trashed order
        ("BLETCHLEY", ["Alan Turing"]),  # an email
        ("471", ["Ada Lovelace", "Alan Turing"]),  # an order number
        ("5801", ["Edsger_Dijkstra"]),
        ("100%", ["Grace 100% Hopper"]),  # LIKE's wildcards are plain characters
        ("a_l", []),  # unescaped, "_" would match the blank of "Ada Lovelace"
        ("_", ["Edsger_Dijkstra"]),
        ("  turing ", ["Alan Turing"]),  # surrounding blanks do not count
        ("nobody", []),
    ],
)
async def test_search_finds_orders_by_number_customer_or_email(
    client: httpx.AsyncClient, member: SignedIn, customers: Household, search: str, expected: list[str]
) -> None:
    assert await _names(client, member, search=search) == expected


async def test_search_combines_with_status_sorting_and_paging(
    client: httpx.AsyncClient, member: SignedIn, customers: Household, neighbours: Household
) -> None:
    async def page(offset: int) -> dict[str, object]:
        params: dict[str, str | int] = {
            "search": "L",
            "orderBy": "customer_name",
            "order": "asc",
            "limit": 1,
            "offset": offset,
        }
        body: dict[str, object] = (await client.get(ORDERS, params=params, headers=member.headers)).json()
        return body

    first, second = await page(0), await page(1)
    # Two names and one email hold an "l"; no neighbour's order is ever found.
    assert (first["count"], second["count"]) == (3, 3)
    assert [o["customer_name"] for o in first["orders"]] == ["Ada Lovelace"]  # type: ignore[attr-defined]
    assert [o["customer_name"] for o in second["orders"]] == ["Alan Turing"]  # type: ignore[attr-defined]
    assert await _names(client, member, search="l", status="pending") == []
    assert await _names(client, member, search="", status="processing") == await _names(client, member)


async def test_a_search_too_long_or_holding_nul_is_refused(client: httpx.AsyncClient, member: SignedIn) -> None:
    for value in ("x" * 101, "a\x00b"):
        response = await client.get(ORDERS, params={"search": value}, headers=member.headers)
        assert response.status_code == 400, response.text
        assert [field["field"] for field in response.json()["fields"]] == ["search"]


async def test_search_is_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    parameters = {p["name"]: p for p in document["paths"][ORDERS]["get"]["parameters"]}
    assert "customer" in parameters["search"]["description"]
    daily = {p["name"] for p in document["paths"][DAILY]["get"]["parameters"]}
    assert daily == {"days"}


async def test_daily_series_counts_orders_and_revenue_per_utc_day(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn
) -> None:
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    yesterday_late = midnight - timedelta(seconds=1)  # 23:59:59 UTC: yesterday, whatever the server's zone
    await make_household(
        database,
        context,
        [
            {"created": midnight, "total": Decimal("10.50")},
            {"created": midnight + timedelta(minutes=1), "total": Decimal("5.25"), "status": "pending"},
            {"created": midnight, "total": Decimal("7.00"), "currency": "EUR", "status": "completed"},
            {"created": yesterday_late, "total": Decimal("20.00"), "total_refunded": Decimal("2.50")},
            {"created": midnight - timedelta(days=2), "total": Decimal("99.00"), "status": "trash"},
            {"created": midnight - timedelta(days=3), "total": Decimal("1.00")},  # outside a 3-day window
        ],
        family=member.family,
    )

    response = await client.get(DAILY, params={"days": 3}, headers=member.headers)

    assert response.status_code == 200, response.text
    daily = response.json()["daily"]
    assert daily["days"] == 3
    assert daily["currency"] == "USD"
    assert daily["series"] == [
        {"date": str(today - timedelta(days=2)), "orders": 0, "revenue": "0.00", "revenueByCurrency": {}},
        {
            "date": str(today - timedelta(days=1)),
            "orders": 1,
            "revenue": "17.50",
            "revenueByCurrency": {"USD": "17.50"},
        },
        {
            "date": str(today),
            "orders": 3,
            "revenue": "10.50",  # the pending order is not revenue
            "revenueByCurrency": {"EUR": "7.00", "USD": "10.50"},
        },
    ]


async def test_daily_series_defaults_to_30_days_and_refuses_bad_windows(
    client: httpx.AsyncClient, member: SignedIn, neighbours: Household
) -> None:
    body = (await client.get(DAILY, headers=member.headers)).json()["daily"]
    assert (body["days"], len(body["series"]), body["currency"]) == (30, 30, None)
    assert {day["orders"] for day in body["series"]} == {0}  # the neighbours' orders are not the member's
    for days in ("0", "367", "week"):
        response = await client.get(DAILY, params={"days": days}, headers=member.headers)
        assert response.status_code == 400, response.text
        assert [field["field"] for field in response.json()["fields"]] == ["days"]
    assert (await client.get(DAILY)).status_code == 401
