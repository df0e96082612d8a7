"""Faults injected by rule, over real HTTP: what hosts, WAFs and proxies do to a client."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from woosim import FaultRule, SimulatedShop


def _ids(response: httpx.Response) -> list[int]:
    return [o["id"] for o in response.json()]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_fault_then_recovery(shop: SimulatedShop, api: httpx.Client, status: int) -> None:
    shop.faults.add(FaultRule(kind="status", status=status, retry_after=7, times=1, match="GET /wp-json/wc/v3/orders"))
    failed = api.get("/orders")
    assert failed.status_code == status
    assert failed.headers["retry-after"] == "7"
    assert failed.headers["content-type"].startswith("text/html")
    assert api.get("/orders").status_code == 200


def test_captcha_is_a_200_html_page(shop: SimulatedShop, api: httpx.Client) -> None:
    shop.faults.add(FaultRule(kind="captcha", times=1))
    response = api.get("/orders")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_truncated_json_keeps_the_json_content_type(shop: SimulatedShop, api: httpx.Client) -> None:
    shop.faults.add(FaultRule(kind="truncated_json", times=1))
    response = api.get("/orders")
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_timeout_hangs_past_the_client_timeout(shop: SimulatedShop, api: httpx.Client) -> None:
    shop.faults.add(FaultRule(kind="timeout", latency=5.0, times=1))
    with pytest.raises(httpx.ReadTimeout):
        api.get("/orders", timeout=0.3)
    assert api.get("/orders").status_code == 200


@pytest.mark.parametrize("how", ["release", "clear"])
def test_a_hold_keeps_the_answer_until_released(shop: SimulatedShop, api: httpx.Client, how: str) -> None:
    rule = shop.faults.add(FaultRule(kind="hold", match="GET /wp-json/wc/v3/orders"))
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(api.get, "/orders")
        assert rule.held.wait(60)
        assert not answer.done()
        if how == "release":
            rule.release()
        else:
            shop.faults.clear()  # what DELETE /__woosim/faults does
        assert answer.result(60).status_code == 200
    assert api.get("/orders").status_code == 200


def test_latency_rule_and_base_latency_still_answer(shop: SimulatedShop, api: httpx.Client) -> None:
    rule = shop.faults.add(FaultRule(kind="latency", latency=0.05, times=2))
    shop.set_latency(0.01)
    assert api.get("/orders").status_code == 200
    assert api.get("/orders/999999").status_code == 404
    assert rule.fired == 2
    assert shop.faults.rules == []


def test_shift_and_duplicate_pages(shop: SimulatedShop, api: httpx.Client) -> None:
    params: dict[str, str | int] = {"orderby": "id", "order": "asc", "per_page": 5}
    page1 = _ids(api.get("/orders", params=params))
    page2 = _ids(api.get("/orders", params={**params, "page": 2}))
    page3 = _ids(api.get("/orders", params={**params, "page": 3}))
    shop.faults.add(FaultRule(kind="shift_pages", times=1, query="page=2"))
    shifted = _ids(api.get("/orders", params={**params, "page": 2}))
    assert shifted == [*page2[1:], page3[0]]  # one row skipped, as if an earlier order moved away
    shop.faults.add(FaultRule(kind="duplicate_page", times=1))
    assert _ids(api.get("/orders", params={**params, "page": 2})) == page1


def test_rules_match_method_and_path_and_skip(shop: SimulatedShop, api: httpx.Client) -> None:
    order_id = shop.order_ids()[0]
    shop.faults.add(FaultRule(kind="status", status=503, match="PUT /wp-json/wc/v3/orders", skip=1, times=1))
    assert api.put(f"/orders/{order_id}", json={}).status_code == 200  # skipped
    assert api.get(f"/orders/{order_id}").status_code == 200  # another method
    assert api.put(f"/orders/{order_id}", json={}).status_code == 503
    assert api.put(f"/orders/{order_id}", json={}).status_code == 200


def test_probability_is_seeded(shop: SimulatedShop, api: httpx.Client) -> None:
    shop.faults.add(FaultRule(kind="status", status=500, probability=0.5))
    codes = [api.get("/orders", params={"per_page": 1}).status_code for _ in range(30)]
    assert 0 < codes.count(500) < 30


def test_requests_are_counted_by_kind_faults_included(shop: SimulatedShop, api: httpx.Client) -> None:
    order_id = shop.order_ids()[0]
    shop.reset_request_counts()
    shop.faults.add(FaultRule(kind="status", status=503, times=1))
    api.get("/orders")
    api.get("/orders")
    api.get(f"/orders/{order_id}")
    api.put(f"/orders/{order_id}", json={})
    api.options("/orders")
    api.get("")
    api.get("/webhooks")
    counts = shop.request_counts
    assert counts["list_orders"] == 2
    assert (counts["get_order"], counts["put_order"], counts["options_orders"]) == (1, 1, 1)
    assert (counts["index"], counts["webhooks"], counts["delete_order"]) == (1, 1, 0)
    assert counts["total"] == 7


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultRule(kind="meteor")  # type: ignore[arg-type]
