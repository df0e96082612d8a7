"""Query parameters as WooCommerce needs them: naive UTC dates with dates_are_gmt, comma lists, _fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lumina.woocommerce import ORDER_STATUSES, OrderQuery, WooCredentials
from lumina.woocommerce.client import normalize_base_url
from lumina.woocommerce.credentials import AuthMode


def test_dates_are_sent_as_naive_utc_with_dates_are_gmt() -> None:
    new_york = timezone(timedelta(hours=-5))
    query = OrderQuery(modified_after=datetime(2026, 11, 9, 13, 0, 0, 900000, tzinfo=new_york))

    params = dict(query.to_params())

    assert params["modified_after"] == "2026-11-09T18:00:00"  # no Z, no offset, whole seconds
    assert params["dates_are_gmt"] == "true"
    assert params["orderby"] == "modified"
    assert params["order"] == "asc"
    assert params["per_page"] == "100"
    assert params["page"] == "1"


def test_statuses_include_ids_and_fields_are_comma_lists() -> None:
    query = OrderQuery(statuses=ORDER_STATUSES, include=[3, 1], fields=["id", "status", "id"])
    params = query.to_params()
    names = [k for k, _ in params]
    assert (
        dict(params)["status"] == "pending,processing,on-hold,completed,cancelled,refunded,failed,checkout-draft,trash"
    )
    assert dict(params)["include"] == "3,1"
    assert dict(params)["_fields"] == "id,status"
    assert "status[]" not in names
    assert len(names) == len(set(names))


def test_the_default_query_asks_for_nothing_it_does_not_need() -> None:
    params = dict(OrderQuery().to_params())
    assert "status" not in params
    assert "dates_are_gmt" not in params
    assert "_fields" not in params


@pytest.mark.parametrize(
    "kwargs",
    [
        {"per_page": 101},
        {"per_page": 0},
        {"page": 0},
        {"statuses": "processing"},
        {"statuses": []},
        {"statuses": ["a,b"]},
        {"modified_after": datetime(2026, 1, 1)},  # naive with dates_are_gmt
        {"after": datetime(2026, 1, 1, tzinfo=UTC), "dates_are_gmt": False},
    ],
)
def test_queries_woocommerce_would_reject_or_misread_fail_early(kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        OrderQuery(**kwargs)  # type: ignore[arg-type]


def test_local_dates_are_sent_as_given_without_dates_are_gmt() -> None:
    query = OrderQuery(after=datetime(2026, 11, 10), dates_are_gmt=False)
    params = dict(query.to_params())
    assert params["after"] == "2026-11-10T00:00:00"
    assert "dates_are_gmt" not in params


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Shop.Example/", "https://shop.example"),
        ("https://shop.example/wp-json/wc/v3/", "https://shop.example"),
        ("https://shop.example/store/wp-json", "https://shop.example/store"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_the_shop_url_is_the_home_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://shop.example/?rest_route=/wc/v3/orders", "permalinks"),
        ("ftp://shop.example", "http"),
        ("https://ck:cs@shop.example", "credentials"),
        ("shop.example", "http"),
    ],
)
def test_unusable_shop_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_base_url(url)


def test_auto_auth_follows_the_scheme_and_refuses_leaky_modes() -> None:
    assert AuthMode.AUTO.resolve("https") is AuthMode.BASIC
    assert AuthMode.AUTO.resolve("http") is AuthMode.OAUTH1
    assert AuthMode.OAUTH1.resolve("https") is AuthMode.OAUTH1
    for mode in (AuthMode.BASIC, AuthMode.QUERY):
        with pytest.raises(ValueError, match="https"):
            mode.resolve("http")


def test_credentials_never_show_the_secret() -> None:
    creds = WooCredentials(
        " ck_a42dd88ee755845b2ef3dffaf99550040e4c2c61\n", "cs_8a5cefdb92e15ea83bbfcb858879f7c7ed1e192d "
    )
    shown = f"{creds!r} {creds!s} {[creds]}"
    assert "8a5cefdb" not in shown
    assert "a42dd88ee755845b2ef3dffaf99550040e4c" not in shown
    assert "2c61" in shown  # enough to tell keys apart, as WooCommerce's admin shows
    assert creds.consumer_key.endswith("2c61")
    assert creds.consumer_secret.endswith("192d")
    with pytest.raises(ValueError, match="required"):
        WooCredentials("ck_x", "  ")
