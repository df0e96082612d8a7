"""Test clients for the simulated shop: OAuth 1.0a signing by oauthlib (not by woosim's own code)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_QUERY, Client

from woosim import ApiKey


def sign(
    method: str,
    url: str,
    key: ApiKey,
    timestamp: int,
    *,
    nonce: str | None = None,
    signature_method: str = SIGNATURE_HMAC_SHA1,
    in_header: bool = False,
) -> tuple[str, dict[str, str]]:
    """(signed URL, headers) for a request signed the standard RFC 5849 way."""
    client = Client(
        key.consumer_key,
        client_secret=key.consumer_secret,
        signature_method=signature_method,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER if in_header else SIGNATURE_TYPE_QUERY,
        timestamp=str(timestamp),
        nonce=nonce or uuid.uuid4().hex,
    )
    signed_url, headers, _body = client.sign(url, http_method=method)
    return signed_url, dict(headers)


class OAuth1(httpx.Auth):
    """Signs every request afresh with the shop's clock (its timestamp window is 15 minutes)."""

    def __init__(self, key: ApiKey, clock: Callable[[], float], signature_method: str = SIGNATURE_HMAC_SHA1) -> None:
        self.key = key
        self.clock = clock
        self.signature_method = signature_method

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url, headers = sign(
            request.method, str(request.url), self.key, int(self.clock()), signature_method=self.signature_method
        )
        request.url = httpx.URL(url)
        request.headers.update(headers)
        yield request
