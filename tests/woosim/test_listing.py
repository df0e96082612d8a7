"""GET /orders over real HTTP: paging, totals, Link, filters, ordering, status lists, _fields, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.woosim.conftest import make_shop
from tests.woosim.helpers import OAuth1
from woosim import ShopServer, SimulatedShop

NEW_YORK = ZoneInfo("America/New_York")


def _ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()]


def _gmt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _visible(shop: SimulatedShop) -> list[dict[str, Any]]:
    return [o for o in shop.orders_snapshot().values() if o["status"] != "trash"]


def _links(response: httpx.Response) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for part in response.headers["link"].split(", <"):
        url, rel = part.lstrip("<").split(">; rel=")
        out[rel.strip('"')] = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    return out


def test_default_page_is_ten_newest_orders_with_totals_and_next_link(shop: SimulatedShop, api: httpx.Client) -> None:
    visible = _visible(shop)
    expected = sorted(visible, key=lambda o: (o["date_created_gmt"], o["id"]), reverse=True)[:10]
    response = api.get("/orders")
    assert _ids(response) == [o["id"] for o in expected]
    assert response.headers["x-wp-total"] == str(len(visible))
    assert response.headers["x-wp-totalpages"] == str(-(-len(visible) // 10))
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert "content-length" not in response.headers
    links = _links(response)
    assert set(links) == {"next"}
    params = dict(links["next"])
    assert params["page"] == "2"
    assert params["status[0]"] == "any"
    assert (params["dp"], params["context"]) == ("2", "view")
    assert "oauth_signature" in params  # the Link echoes the request's OAuth parameters


def test_every_page_of_the_default_listing_is_disjoint_and_complete(shop: SimulatedShop, api: httpx.Client) -> None:
    seen: list[int] = []
    page = 1
    while True:
        response = api.get("/orders", params={"per_page": 100, "page": page})
        rows = _ids(response)
        if not rows:
            break
        seen += rows
        page += 1
    assert sorted(seen) == sorted(o["id"] for o in _visible(shop))
    assert len(seen) == len(set(seen))


def test_a_page_past_the_end_is_empty_with_zero_totals(api: httpx.Client) -> None:
    response = api.get("/orders", params={"per_page": 100, "page": 99})
    assert response.json() == []
    assert (response.headers["x-wp-total"], response.headers["x-wp-totalpages"]) == ("0", "0")
    assert dict(_links(response)["prev"])["page"] == "0"


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"per_page": 0}, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
        ({"per_page": 101}, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
        ({"page": 0}, "page", "page must be greater than or equal to 1"),
        ({"page": "abc"}, "page", "page is not of type integer."),
        ({"after": "2026-11-01"}, "after", "Invalid date."),
        ({"modified_after": "1762732800"}, "modified_after", "Invalid date."),
        ({"dates_are_gmt": "maybe"}, "dates_are_gmt", "dates_are_gmt is not of type boolean."),
        ({"order": "up"}, "order", "order is not one of asc and desc."),
        ({"orderby": "total"}, "orderby", "orderby is not one of date, id, include, title, slug, and modified."),
        (
            {"status": "shipped"},
            "status",
            "status[0] is not one of any, trash, auto-draft, pending, processing, on-hold, completed, cancelled, "
            "refunded, failed, and checkout-draft.",
        ),
    ],
)
def test_invalid_parameters_are_refused_like_wordpress(
    api: httpx.Client, params: dict[str, Any], name: str, message: str
) -> None:
    response = api.get("/orders", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["message"] == f"Invalid parameter(s): {name}"
    assert body["data"]["params"] == {name: message}


def test_unknown_parameters_are_ignored_and_echoed_in_link(api: httpx.Client) -> None:
    response = api.get("/orders", params={"foo": "bar", "per_page": 2})
    assert response.status_code == 200
    assert dict(_links(response)["next"])["foo"] == "bar"


def test_status_any_has_drafts_but_never_trash(shop: SimulatedShop, api: httpx.Client) -> None:
    snapshot = shop.orders_snapshot()
    trash = sorted(i for i, o in snapshot.items() if o["status"] == "trash")
    assert trash, "the generated shop has trashed orders"
    everything = "pending,processing,on-hold,completed,cancelled,refunded,failed,checkout-draft,trash"

    def listed(status: str | list[str]) -> set[int]:
        key = "status[]" if isinstance(status, list) else "status"
        found: set[int] = set()
        for page in range(1, 6):
            found |= set(_ids(api.get("/orders", params={key: status, "per_page": 100, "page": page})))
        return found

    assert not listed("any") & set(trash)
    assert not listed("any,trash") & set(trash)
    assert not listed("trash,any") & set(trash)
    assert listed("trash") == set(trash)
    assert set(trash) <= listed(everything)
    completed = {i for i, o in snapshot.items() if o["status"] == "completed"}
    assert listed("pending,failed") == {i for i, o in snapshot.items() if o["status"] in ("pending", "failed")}
    assert set(_ids(api.get("/orders", params={"status": "completed", "per_page": 100}))) <= completed


def test_orderby_modified_breaks_ties_by_id_and_filters_are_exclusive(shop: SimulatedShop, api: httpx.Client) -> None:
    ids = shop.order_ids()[5:17]
    shop.clock.advance(60)
    shop.bulk_update(ids, customer_note="bulk")
    second = _gmt(shop.get_order(ids[0])["date_modified_gmt"])
    assert {shop.get_order(i)["date_modified_gmt"] for i in ids} == {second.strftime("%Y-%m-%dT%H:%M:%S")}

    def page(after: datetime, number: int) -> list[int]:
        params: dict[str, str | int] = {
            "orderby": "modified",
            "order": "asc",
            "modified_after": after.strftime("%Y-%m-%dT%H:%M:%S"),
            "dates_are_gmt": "true",
            "per_page": 5,
            "page": number,
        }
        return _ids(api.get("/orders", params=params))

    one_before = second - timedelta(seconds=1)
    assert page(one_before, 1) + page(one_before, 2) + page(one_before, 3) == sorted(ids)
    assert page(second, 1) == []  # strictly after: the bulk second itself is excluded


def test_naive_dates_are_local_unless_dates_are_gmt(shop: SimulatedShop, api: httpx.Client) -> None:
    orders = _visible(shop)
    probe = sorted(orders, key=lambda o: o["date_created_gmt"])[len(orders) // 2]
    pivot = _gmt(probe["date_created_gmt"]) - timedelta(hours=1)  # a naive value one hour before it
    naive = pivot.strftime("%Y-%m-%dT%H:%M:%S")
    as_local = pivot.replace(tzinfo=None).replace(tzinfo=NEW_YORK).astimezone(UTC)
    local_ids = {o["id"] for o in orders if _gmt(o["date_created_gmt"]) > as_local}
    gmt_ids = {o["id"] for o in orders if _gmt(o["date_created_gmt"]) > pivot}
    assert probe["id"] in gmt_ids - local_ids

    def listed(params: dict[str, str]) -> set[int]:
        found: set[int] = set()
        for page in range(1, 6):
            found |= set(_ids(api.get("/orders", params={**params, "per_page": 100, "page": page})))
        return found

    assert listed({"after": naive}) == local_ids
    assert listed({"after": naive, "dates_are_gmt": "true"}) == gmt_ids
    assert listed({"after": naive.replace("T", " ")}) == local_ids
    utc = as_local.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed({"after": utc}) == local_ids  # an explicit UTC designator is honoured...
    # ...but with dates_are_gmt it is converted to shop time first and then read as GMT, as the real store does.
    shifted = as_local.astimezone(NEW_YORK).replace(tzinfo=UTC)
    assert listed({"after": utc, "dates_are_gmt": "1"}) == {
        o["id"] for o in orders if _gmt(o["date_created_gmt"]) > shifted
    }


def test_fields_filter_nested_and_skip_uncomputed_lists(shop: SimulatedShop, api: httpx.Client) -> None:
    response = api.get("/orders", params={"_fields": "id,billing.email,line_items.sku", "per_page": 3})
    rows = response.json()
    assert [list(row) for row in rows] == [["id", "billing"]] * 3
    assert all(list(row["billing"]) == ["email"] for row in rows)
    sparse = api.get("/orders", params={"_fields": "id,date_modified_gmt", "per_page": 20}).json()
    for row in sparse:
        full = shop.get_order(row["id"])
        assert row == {"id": full["id"], "date_modified_gmt": full["date_modified_gmt"]}


def test_single_order_fields_keep_links(shop: SimulatedShop, api: httpx.Client) -> None:
    order_id = shop.order_ids()[0]
    body = api.get(f"/orders/{order_id}", params={"_fields": "total,id"}).json()
    assert list(body) == ["id", "total", "_links"]


def test_include_exclude_customer_and_offset(shop: SimulatedShop, api: httpx.Client) -> None:
    ids = shop.order_ids()
    include = ",".join(str(i) for i in (ids[3], ids[1], 999999))
    assert sorted(_ids(api.get("/orders", params={"include": include}))) == sorted([ids[1], ids[3]])
    excluded = _ids(api.get("/orders", params={"exclude": str(ids[-1]), "orderby": "id", "per_page": 1}))
    assert excluded == [ids[-2]]
    snapshot = shop.orders_snapshot()
    customer = next(o["customer_id"] for o in snapshot.values() if o["customer_id"])
    mine = {i for i, o in snapshot.items() if o["customer_id"] == customer and o["status"] != "trash"}
    assert set(_ids(api.get("/orders", params={"customer": customer, "per_page": 100}))) == mine
    by_id = _ids(api.get("/orders", params={"orderby": "id", "order": "asc", "per_page": 10}))
    shifted = _ids(api.get("/orders", params={"orderby": "id", "order": "asc", "per_page": 10, "offset": 3}))
    assert shifted[:7] == by_id[3:]


def test_dates_are_local_and_gmt_to_the_second(shop: SimulatedShop, api: httpx.Client) -> None:
    for order in api.get("/orders", params={"per_page": 100}).json():
        for name in ("date_created", "date_modified", "date_paid", "date_completed"):
            local, gmt = order[name], order[f"{name}_gmt"]
            assert (local is None) == (gmt is None)
            if gmt is not None:
                assert len(gmt) == 19
                assert _gmt(gmt).astimezone(NEW_YORK).replace(tzinfo=None) == datetime.fromisoformat(local)


def test_an_old_shop_ignores_modified_after_and_lacks_it_in_its_schema() -> None:
    with make_shop(order_count=30, wc_version="5.6.0") as old, ShopServer(old) as server:
        auth = OAuth1(old.read_write_key, old.clock.time)
        with httpx.Client(base_url=server.api_url, auth=auth, timeout=10) as client:
            everything = client.get("/orders", params={"per_page": 100})
            after = client.get("/orders", params={"per_page": 100, "modified_after": "2100-01-01T00:00:00"})
            assert after.headers["x-wp-total"] == everything.headers["x-wp-total"]
            assert client.get("/orders", params={"modified_after": "yesterday"}).status_code == 200
            args = client.options("/orders").json()["endpoints"][0]["args"]
            assert "modified_after" not in args
            assert "dates_are_gmt" in args
            assert client.get("/orders", params={"per_page": 1}).json()[0]["version"] == "5.6.0"
