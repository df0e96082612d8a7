"""API keys and the ways of presenting them to a shop."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["AuthMode", "WooCredentials"]


class AuthMode(enum.Enum):
    """How the consumer key and secret reach the shop.

    WooCommerce honours HTTP Basic and query-string keys only when WordPress believes the request is HTTPS;
    over plain HTTP only an OAuth 1.0a signature works (the secret never travels).
    """

    AUTO = "auto"  # Basic over HTTPS, OAuth 1.0a (query string) over HTTP
    BASIC = "basic"  # HTTPS only
    OAUTH1 = "oauth1"  # oauth_* parameters in the query string, as WooCommerce documents
    OAUTH1_HEADER = "oauth1-header"  # oauth_* parameters in an `Authorization: OAuth` header
    QUERY = "query"  # consumer_key/consumer_secret in the query string; HTTPS only, opt-in for hosts that
    #                  strip the Authorization header

    def resolve(self, scheme: str) -> AuthMode:
        """The concrete mode for a shop URL's scheme; refuses modes that would leak or never work."""
        https = scheme == "https"
        if self is AuthMode.AUTO:
            return AuthMode.BASIC if https else AuthMode.OAUTH1
        if self in (AuthMode.BASIC, AuthMode.QUERY) and not https:
            raise ValueError(
                f"auth mode {self.value!r} needs an https:// shop URL: WooCommerce ignores it over plain HTTP "
                "and the secret would travel in clear text; use AuthMode.OAUTH1 (or AUTO) for http:// shops"
            )
        return self


def _mask(value: str) -> str:
    return f"{value[:3]}…{value[-4:]}" if len(value) > 12 else "…"


@dataclass(frozen=True, slots=True)
class WooCredentials:
    """A WooCommerce REST API key pair. Its repr and str show neither the secret nor the whole key."""

    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        # Keys are pasted from the shop's admin page; a stray newline or space is a common, invisible mistake.
        object.__setattr__(self, "consumer_key", self.consumer_key.strip())
        object.__setattr__(self, "consumer_secret", self.consumer_secret.strip())
        if not self.consumer_key or not self.consumer_secret:
            raise ValueError("a WooCommerce consumer key and consumer secret are both required")

    @property
    def key_hint(self) -> str:
        """Enough of the key for a person to tell keys apart (WooCommerce's admin shows the same ending)."""
        return _mask(self.consumer_key)

    def __repr__(self) -> str:
        return f"WooCredentials(consumer_key='{self.key_hint}', consumer_secret='***')"

    __str__ = __repr__
