"""Presenting the API key: Basic, query-string keys, or an OAuth 1.0a one-legged signature.

The OAuth signature base string is RFC 5849's, computed by oauthlib from the exact parameters sent. Two WooCommerce
rules shape it: the base-string URL is the shop URL plus the path, unchanged (a trailing slash or another scheme
breaks the signature), and list parameters must be sent comma-separated because WooCommerce signs PHP's indexed
names (`status[0]`), never `status[]`. `oauth_version` is left out, as WooCommerce allows.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Literal
from urllib.parse import quote

from oauthlib.oauth1 import Client as OAuthClient
from oauthlib.oauth1.rfc5849 import signature as rfc5849

from .credentials import AuthMode, WooCredentials

__all__ = ["Authenticator", "OAuthMethod", "encode_query", "oauth1_parameters"]

OAuthMethod = Literal["HMAC-SHA1", "HMAC-SHA256"]
Params = Sequence[tuple[str, str]]


def _pct(value: str) -> str:
    return quote(value, safe="-._~")


def encode_query(params: Params) -> str:
    """RFC 3986 percent-encoding, the same the signature uses, so the shop decodes exactly what was signed."""
    return "&".join(f"{_pct(k)}={_pct(v)}" for k, v in params)


def oauth1_parameters(
    credentials: WooCredentials,
    method: str,
    url: str,
    params: Params,
    *,
    signature_method: OAuthMethod,
    nonce: str,
    timestamp: int,
) -> list[tuple[str, str]]:
    """The `oauth_*` parameters, signature last, for a request to `url` (no query) with `params`."""
    oauth = [
        ("oauth_consumer_key", credentials.consumer_key),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", signature_method),
        ("oauth_timestamp", str(timestamp)),
    ]
    base_string = rfc5849.signature_base_string(
        method.upper(),
        rfc5849.base_string_uri(url),
        rfc5849.normalize_parameters([*params, *oauth]),
    )
    sign = (
        rfc5849.sign_hmac_sha256_with_client
        if signature_method == "HMAC-SHA256"
        else rfc5849.sign_hmac_sha1_with_client
    )
    # One-legged: the key is `secret&` with no token secret.
    signature: str = sign(base_string, OAuthClient(credentials.consumer_key, client_secret=credentials.consumer_secret))
    return [*oauth, ("oauth_signature", signature)]


class Authenticator:
    """Turns (method, path, params) into the URL and headers of one authenticated request."""

    def __init__(
        self,
        credentials: WooCredentials,
        mode: AuthMode,
        base_url: str,
        *,
        signature_method: OAuthMethod = "HMAC-SHA256",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if mode is AuthMode.AUTO:
            raise ValueError("resolve AuthMode.AUTO against the URL scheme first")
        self.credentials = credentials
        self.mode = mode
        self.base_url = base_url
        self.signature_method: OAuthMethod = signature_method
        self._clock = clock
        # Seconds to add to our clock so OAuth timestamps fall in the shop's 15-minute window (learned from
        # the shop's Date header when the two clocks disagree by minutes).
        self.clock_offset = 0.0

    def prepare(self, method: str, path: str, params: Params) -> tuple[str, dict[str, str]]:
        """The full URL (query encoded) and the auth headers; OAuth gets a fresh nonce on every call."""
        url = self.base_url + path
        query = list(params)
        headers: dict[str, str] = {}
        if self.mode is AuthMode.BASIC:
            pair = f"{self.credentials.consumer_key}:{self.credentials.consumer_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif self.mode is AuthMode.QUERY:
            query += [
                ("consumer_key", self.credentials.consumer_key),
                ("consumer_secret", self.credentials.consumer_secret),
            ]
        else:
            oauth = oauth1_parameters(
                self.credentials,
                method,
                url,
                query,
                signature_method=self.signature_method,
                nonce=secrets.token_hex(16),
                timestamp=int(self._clock() + self.clock_offset),
            )
            if self.mode is AuthMode.OAUTH1_HEADER:
                headers["Authorization"] = "OAuth " + ", ".join(f'{k}="{_pct(v)}"' for k, v in oauth)
            else:
                query += oauth
        return (f"{url}?{encode_query(query)}" if query else url), headers
