"""Keep credentials out of logs and messages: the shop even echoes them back in its `Link` header, and a shop, WAF
or proxy may echo the whole request (query, headers, body) in an error's text."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

from .credentials import WooCredentials

__all__ = ["Scrubber", "describe_request", "redact_credentials", "redact_url"]

_SECRET_PARAM = re.compile(
    r"(?P<name>(?:^|(?<=[?&;]))(?:consumer_key|consumer_secret|oauth_[a-z_]+)(?:=|%3D))(?P<value>[^&;#\s>'\"]*)",
    re.IGNORECASE,
)
_CREDENTIAL_NAME = re.compile(r"(?:consumer_key|consumer_secret|oauth_[a-z_]+)(?:=|%3D|$)", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
REDACTED = "[redacted]"
# A credential by its name, however it is written: `oauth_signature=v` (a query, even at the start of a text),
# `oauth_consumer_key="v"` (an OAuth header), `"consumer_secret": "v"` (JSON), `[oauth_nonce] => v` (PHP's
# print_r), `oauth_signature%3Dv` (an encoded URL).
_NAMED_CREDENTIAL = re.compile(
    r"(?P<name>(?<![a-z0-9])(?:oauth_[a-z_]+|consumer_key|consumer_secret)[\"'\]]?\s*(?:=>|=|%3D|%253D|:)\s*[\"']?)"
    r"(?P<value>(?!\[redacted\])[^&;,\s\"'<>\])}]+)",
    re.IGNORECASE,
)
# Any Authorization header value (Basic, OAuth, Bearer...): the scheme's token after the header's name.
_AUTHORIZATION = re.compile(
    r"(?P<name>(?<![a-z0-9])(?:proxy-)?authorization[\"'\]]?\s*(?:=>|=|:)\s*[\"']?(?:[a-z0-9_-]+\s+)?)"
    r"(?P<value>(?!\[redacted\])[^\s\"',]+)",
    re.IGNORECASE,
)
# WooCommerce keys of any shop: "ck_" or "cs_" and 40 hexadecimal digits.
_ANY_WOO_KEY = re.compile(r"(?<![a-z0-9])c[ks]_[0-9a-f]{16,}", re.IGNORECASE)
# Parameters of a request worth hiding when echoed (the timestamp and the method name are not secret).
_SENT_SECRETS = frozenset({"consumer_key", "consumer_secret", "oauth_consumer_key", "oauth_nonce", "oauth_signature"})
_MIN_LITERAL = 6  # shorter values are not worth masking and would mask ordinary words


# Text without any of these (most log fields) cannot match the patterns below and is returned at once.
_TRIGGERS = ("oauth_", "consumer_", "authorization", "://", "ck_", "cs_")


def redact_credentials(text: str) -> str:
    """`text` with every credential-shaped value masked: named parameters in any notation, Authorization values,
    WooCommerce keys. For text whose secrets are not known (log lines); `Scrubber` also knows them literally."""
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return text
    text = _USERINFO.sub(r"\g<scheme>", text)
    text = _NAMED_CREDENTIAL.sub(lambda m: m.group("name") + REDACTED, text)
    text = _AUTHORIZATION.sub(lambda m: m.group("name") + REDACTED, text)
    return _ANY_WOO_KEY.sub(REDACTED, text)


def _spellings(value: str) -> set[str]:
    """The ways a value may come back: as sent, percent-encoded once or twice, as a form field, decoded."""
    once = quote(value, safe="")
    return {value, once, quote(once, safe=""), quote_plus(value), unquote(value)}


class Scrubber:
    """Removes one shop's credentials from text the shop sent back, before it enters an error.

    It knows the key and the secret, so it masks them literally in every spelling (percent-encoded, and Basic's
    base64 of `key:secret`), and for each request the nonce and signature it carried; then the patterns of
    `redact_credentials` mask whatever is named like a credential.
    """

    def __init__(self, credentials: WooCredentials) -> None:
        key, secret = credentials.consumer_key, credentials.consumer_secret
        pair = f"{key}:{secret}".encode()
        self._known = frozenset(
            {*_spellings(key), *_spellings(secret), *_spellings(base64.b64encode(pair).decode("ascii")),
             *_spellings(base64.urlsafe_b64encode(pair).decode("ascii"))}
        )  # fmt: skip

    def for_request(self, url: str, headers: Mapping[str, str]) -> Scrub:
        """A scrub for the answer to one request: its own nonce, signature and Authorization value included."""
        sent = {value for name, value in parse_qsl(urlsplit(url).query) if name in _SENT_SECRETS}
        for name, value in headers.items():
            if name.lower() == "authorization":
                sent.add(value)
                scheme_and_token = value.split(None, 1)
                sent.update(scheme_and_token[1:])
                sent.update(m.group("value").strip('"') for m in _NAMED_CREDENTIAL.finditer(value))
        literals = {spelling for value in sent for spelling in _spellings(value)} | self._known
        return Scrub(literals)


class Scrub:
    """Masks a fixed set of literal secrets, then everything named like a credential."""

    def __init__(self, literals: Iterable[str]) -> None:
        kept = sorted({v for v in literals if len(v) >= _MIN_LITERAL}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, kept)), re.IGNORECASE) if kept else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return redact_credentials(text)


def redact_url(text: str) -> str:
    """`text` with credential query parameters and URL user-info replaced by a marker."""
    text = _USERINFO.sub(r"\g<scheme>", text)
    return _SECRET_PARAM.sub(lambda m: m.group("name") + REDACTED, text)


def describe_request(method: str, url: str) -> str:
    """Method and path with query for messages: no scheme or host, and no credential parameters at all."""
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if p and not _CREDENTIAL_NAME.match(p)]
    target = parts.path + (f"?{'&'.join(kept)}" if kept else "")
    return f"{method} {redact_url(target)}"
