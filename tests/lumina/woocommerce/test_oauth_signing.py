"""OAuth 1.0a signatures: the recorded real-store signatures reproduced, and RFC 5849 written out by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumina.woocommerce import AuthMode, WooCredentials
from lumina.woocommerce._auth import Authenticator, OAuthMethod, encode_query, oauth1_parameters

from .recordings import READ_WRITE, SECRETS, recording, recording_names

CREDS = WooCredentials(*READ_WRITE)


def _oauth_of(exchange: dict[str, object]) -> dict[str, str]:
    request = exchange["request"]
    assert isinstance(request, dict)
    if request["auth_mode"] == "oauth1-header":
        header = request["headers"]["Authorization"].removeprefix("OAuth ")
        pairs = (item.strip().split("=", 1) for item in header.split(","))
        return {k: unquote(v.strip('"')) for k, v in pairs}
    return dict(parse_qsl(urlsplit(request["target"]).query))


def _signed_vectors() -> list[str]:
    names = []
    for name in recording_names():
        exchange = recording(name)
        request = exchange.get("request") or {}
        # status[] is signed by PHP's indexed names, which is exactly why the client never sends it.
        if request.get("oauth_signature_base_string") and not name.endswith("status-multi-array"):
            names.append(name)
    return names


@pytest.mark.parametrize("name", _signed_vectors())
def test_every_recorded_signature_is_reproduced(name: str) -> None:
    exchange = recording(name)
    request = exchange["request"]
    oauth = _oauth_of(exchange)
    # The two deliberately wrong exchanges were signed with made-up secrets: all f's, and all 0's for the made-up key.
    secret = SECRETS.get(oauth["oauth_consumer_key"], "cs_" + "0" * 40)
    if name == "auth-oauth1-wrong-secret":
        secret = "cs_" + "f" * 40
    # The base string names the URL WooCommerce rebuilt from its home URL (scheme of the request).
    scheme = request["oauth_signature_base_string"].split("&")[1].split("%3A")[0]
    params = [tuple(p) for p in request["query_params"]]

    signed = dict(
        oauth1_parameters(
            WooCredentials(oauth["oauth_consumer_key"], secret),
            request["method"],
            f"{scheme}://127.0.0.1:8080{request['path']}",
            params,
            signature_method="HMAC-SHA256" if oauth["oauth_signature_method"] == "HMAC-SHA256" else "HMAC-SHA1",
            nonce=oauth["oauth_nonce"],
            timestamp=int(oauth["oauth_timestamp"]),
        )
    )

    assert signed["oauth_signature"] == oauth["oauth_signature"]


def _rfc5849_by_hand(method: str, url: str, params: list[tuple[str, str]], secret: str, digest: str) -> str:
    """RFC 5849 section 3.4 without oauthlib: encode each key and value, sort, join, encode again, HMAC."""

    def enc(s: str) -> str:
        return quote(s, safe="~")  # unreserved: ALPHA, DIGIT, "-", ".", "_", "~"

    pairs = sorted((enc(k), enc(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), enc(url), enc(normalized)))
    mac = hmac.new(f"{enc(secret)}&".encode(), base.encode(), getattr(hashlib, digest))
    return base64.b64encode(mac.digest()).decode()


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_signature_matches_an_independent_rfc5849_computation(method: OAuthMethod) -> None:
    params = [
        ("search", "Café & Co + 50/50 ☕"),
        ("modified_after", "2026-11-09T18:00:00"),
        ("status", "pending,processing,trash"),
        ("per_page", "100"),
    ]
    url = "http://127.0.0.1:8080/wp-json/wc/v3/orders"
    oauth = oauth1_parameters(
        CREDS, "GET", url, params, signature_method=method, nonce="fixednonce", timestamp=1795502255
    )
    expected = _rfc5849_by_hand(
        "GET", url, params + oauth[:-1], CREDS.consumer_secret, "sha1" if method == "HMAC-SHA1" else "sha256"
    )

    assert oauth[-1] == ("oauth_signature", expected)
    assert "oauth_version" not in dict(oauth)


def test_the_recorded_nonce_vector_written_out() -> None:
    """auth-oauth1-nonce-first-use: a fixed nonce and timestamp, signature accepted by the real store."""
    oauth = oauth1_parameters(
        CREDS,
        "GET",
        "http://127.0.0.1:8080/wp-json/wc/v3/orders",
        [("per_page", "2"), ("_fields", "id,status,date_modified_gmt")],
        signature_method="HMAC-SHA1",
        nonce="fixednonce1795502255",
        timestamp=1795502255,
    )
    assert dict(oauth)["oauth_signature"] == "P+7F2lb4hB7EznZB8GzOCTygp3s="


def test_a_trailing_slash_is_part_of_what_is_signed() -> None:
    """auth-oauth1-trailing-slash-path: the real store accepted .../orders/ signed for .../orders/."""
    kwargs = {"signature_method": "HMAC-SHA1", "nonce": "438551e40ff6cf3770801c568087c6e5", "timestamp": 1795502256}
    params = [("per_page", "2"), ("_fields", "id,status,date_modified_gmt")]
    base = "http://127.0.0.1:8080/wp-json/wc/v3/orders"
    with_slash = dict(oauth1_parameters(CREDS, "GET", base + "/", params, **kwargs))  # type: ignore[arg-type]
    without = dict(oauth1_parameters(CREDS, "GET", base, params, **kwargs))  # type: ignore[arg-type]
    assert with_slash["oauth_signature"] == "7a9Wul6bueM0hFtTSqhNJbU4VKE="
    assert without["oauth_signature"] != with_slash["oauth_signature"]


def test_the_query_sent_decodes_to_exactly_what_was_signed() -> None:
    auth = Authenticator(CREDS, AuthMode.OAUTH1, "http://127.0.0.1:8080", clock=lambda: 1795502255.0)
    params = [("search", "Café & Co + 50/50 ☕"), ("status", "pending,trash")]
    url, headers = auth.prepare("GET", "/wp-json/wc/v3/orders", params)

    sent = parse_qsl(urlsplit(url).query)
    assert sent[:2] == params  # `+` and `&` survive, `,` is not split into status[]
    assert dict(sent)["oauth_timestamp"] == "1795502255"
    assert headers == {}
    assert "status%5B" not in url
    assert "+" not in urlsplit(url).query


def test_every_request_gets_a_fresh_nonce() -> None:
    auth = Authenticator(CREDS, AuthMode.OAUTH1, "http://127.0.0.1:8080")
    first, _ = auth.prepare("GET", "/wp-json/wc/v3/orders", [])
    second, _ = auth.prepare("GET", "/wp-json/wc/v3/orders", [])
    assert (
        dict(parse_qsl(urlsplit(first).query))["oauth_nonce"] != dict(parse_qsl(urlsplit(second).query))["oauth_nonce"]
    )


def test_header_mode_puts_the_signature_in_an_authorization_header() -> None:
    auth = Authenticator(CREDS, AuthMode.OAUTH1_HEADER, "http://127.0.0.1:8080", signature_method="HMAC-SHA1")
    url, headers = auth.prepare("GET", "/wp-json/wc/v3/orders", [("per_page", "2")])
    assert url.endswith("?per_page=2")
    assert headers["Authorization"].startswith('OAuth oauth_consumer_key="ck_a42dd')
    assert "oauth_signature=" in headers["Authorization"]


def test_encode_query_uses_rfc3986() -> None:
    assert encode_query([("a b", "x+y/z,é~")]) == "a%20b=x%2By%2Fz%2C%C3%A9~"


_names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=150, deadline=None)
@given(params=st.dictionaries(_names.filter(lambda n: not n.startswith("oauth_")), _values, max_size=6))
def test_any_parameters_sign_as_rfc5849_says(params: dict[str, str]) -> None:
    pairs = list(params.items())
    url = "https://shop.example/store/wp-json/wc/v3/orders"
    oauth = oauth1_parameters(CREDS, "GET", url, pairs, signature_method="HMAC-SHA1", nonce="n", timestamp=1)
    assert oauth[-1][1] == _rfc5849_by_hand("GET", url, pairs + oauth[:-1], CREDS.consumer_secret, "sha1")
    # and what goes on the wire decodes back to exactly the signed values
    query = encode_query(pairs)
    assert [(unquote(k), unquote(v)) for k, v in (p.split("=", 1) for p in query.split("&") if p)] == pairs
