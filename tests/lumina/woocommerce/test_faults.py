"""Recorded error answers classified: permanent ones with WooCommerce's code and a hint, transient ones retried."""

from __future__ import annotations

import json

import pytest
from multidict import CIMultiDict

from lumina.woocommerce import (
    AuthMode,
    WooAuthError,
    WooNotFoundError,
    WooPermanentError,
    WooTransientError,
)
from lumina.woocommerce._faults import decode_json, error_from_response, parse_retry_after
from lumina.woocommerce._redact import redact_url

from .recordings import READ_WRITE, recording


def _classify(name: str, mode: AuthMode = AuthMode.OAUTH1) -> WooPermanentError | WooTransientError:
    response = recording(name)["response"]
    headers = CIMultiDict(response["headers"])
    error = error_from_response(
        response["status"], headers, response["body_text"].encode(), "GET /wp-json/wc/v3/orders", mode
    )
    assert isinstance(error, WooPermanentError | WooTransientError)
    return error


AUTH = "woocommerce_rest_authentication_error"


@pytest.mark.parametrize(
    ("name", "kind", "code", "hint"),
    [
        ("auth-oauth1-wrong-key", WooAuthError, AUTH, "does not know this consumer key"),
        ("auth-oauth1-wrong-secret", WooAuthError, AUTH, "home URL"),
        ("auth-basic-https-wrong-secret", WooAuthError, AUTH, "secret does not belong"),
        ("auth-readonly-key-put", WooAuthError, AUTH, "read-only"),
        ("auth-oauth1-stale-timestamp", WooAuthError, AUTH, "clock"),
        ("order-single-deleted", WooNotFoundError, "woocommerce_rest_shop_order_invalid_id", "does not exist"),
        ("order-put-missing", WooNotFoundError, "woocommerce_rest_shop_order_invalid_id", "does not exist"),
        ("order-single-id-nonnumeric", WooNotFoundError, "rest_no_route", "permalinks"),
        ("orders-list-per101", WooPermanentError, "rest_invalid_param", "per_page must be between 1"),
        ("order-put-status-invalid", WooPermanentError, "rest_invalid_param", "status"),
        ("order-delete-trash-again", WooPermanentError, "woocommerce_rest_already_trashed", "retrying"),
        ("order-refund-too-large", WooPermanentError, "woocommerce_rest_cannot_create_order_refund", "retrying"),
    ],
)  # fmt: skip
def test_recorded_refusals_are_permanent_with_code_and_hint(
    name: str, kind: type[Exception], code: str, hint: str
) -> None:
    error = _classify(name)
    assert type(error) is kind
    assert error.code == code
    assert error.hint is not None
    assert hint in str(error)  # the hint, or the shop's own words about its parameters in the message
    assert code in str(error)


def test_a_401_over_https_basic_suggests_the_stripped_header_and_query_auth() -> None:
    error = _classify("auth-none-https", AuthMode.BASIC)
    assert isinstance(error, WooAuthError)
    assert error.code == "woocommerce_rest_cannot_view"
    assert error.hint is not None
    assert "Authorization header" in error.hint
    assert "AuthMode.QUERY" in error.hint


@pytest.mark.parametrize(
    ("status", "body", "transient"),
    [
        (500, json.dumps({"code": "x", "message": "<b>Invalid</b> refund &amp; more", "data": 500}), False),
        (500, "<html><body>Error establishing a database connection</body></html>", True),
        (503, "<html>Service Unavailable</html>", True),
        (429, "", True),
        (502, "not json", True),
        (404, "<html>Not Found</html>", False),
        (400, json.dumps(["unexpected"]), False),
        (401, json.dumps({"code": None, "message": None, "data": "weird"}), False),
        (418, "\xff\xfe garbage", False),
    ],
)
def test_irregular_error_bodies_never_crash(status: int, body: str, transient: bool) -> None:
    error = error_from_response(status, CIMultiDict(), body.encode("latin-1"), "GET /x", AuthMode.BASIC)
    assert isinstance(error, WooTransientError) is transient
    assert "<b>" not in str(error)
    assert "&amp;" not in str(error)


def test_a_redirect_names_where_to_go_and_is_not_followed() -> None:
    headers = CIMultiDict({"location": "https://www.shop.example/wp-json/wc/v3/orders?oauth_signature=abc"})
    error = error_from_response(301, headers, b"", "GET /wp-json/wc/v3/orders", AuthMode.OAUTH1)
    assert isinstance(error, WooPermanentError)
    assert error.code == "redirect"
    assert "https://www.shop.example" in str(error)
    assert "abc" not in str(error)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 11 Jan 1984 05:00:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_the_echoed_link_header_is_redacted() -> None:
    link = recording("auth-oauth1-query-hmac-sha1-http")["response"]["headers"]
    link_value = next(v for k, v in link if k == "Link")
    key, secret = READ_WRITE
    redacted = redact_url(link_value + "&consumer_key=" + key + "&consumer_secret=" + secret)
    assert key not in redacted
    assert secret not in redacted
    assert "hvMx6we8" not in redacted  # the signature
    assert "per_page=2" in redacted
    assert "page=2" in redacted


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'[{"id": 1, "total": "9.50"}]', [{"id": 1, "total": "9.50"}]),
        (b'\xef\xbb\xbf{"id": 2}', {"id": 2}),  # a plugin's UTF-8 file with a byte order mark, echoed first
        (b'{"note": "\\ud83d"}', {"note": "\ud83d"}),  # half an emoji, as a cut string leaves it
        (b'{"rate": NaN}', {"rate": float("nan")}),
    ],
)
def test_bodies_are_read_whichever_json_reader_accepts_them(body: bytes, expected: object) -> None:
    assert json.dumps(decode_json(body)) == json.dumps(expected)


@pytest.mark.parametrize("body", [b"", b"   ", b"<html>Error establishing a database connection</html>", b'[{"id": 1'])
def test_bodies_that_are_not_json_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is the type; each reader words its message
        decode_json(body)
