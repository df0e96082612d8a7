"""OAuth 1.0a as WooCommerce verifies it (WC_REST_Authentication): base string, signature, header parsing.

Deliberately a transcription of the PHP, quirks included: every GET/POST parameter is signed, parameters are
sorted by raw name with strcmp before encoding, array parameters are signed under PHP's indexed names
(`status%5B0%5D`), and the base-string URL is the shop's home URL with the request's scheme plus the raw path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import unquote, unquote_plus, urlsplit

from woosim.wordpress.phpquery import PhpArray, PhpValue, rfc3986

_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')
SIGNED_METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}


def parse_authorization_header(header: str) -> dict[str, str]:
    """The oauth_* parameters of an `Authorization: OAuth ...` header (urldecoded, as PHP's urldecode)."""
    header = header.strip()
    if not header.startswith("OAuth "):
        return {}
    params: dict[str, str] = {}
    for match in _HEADER_PARAM.finditer(header):
        quoted, bare = match.group(3), match.group(4)
        params[match.group(1)] = unquote_plus(quoted if quoted else (bare or ""))
    return params


def base_request_url(home_url: str, scheme: str, raw_path: str) -> str:
    """get_home_url(null, $request_path, is_ssl() ? 'https' : 'http'), for a shop installed at the root."""
    parts = urlsplit(home_url)
    home_path = parts.path.rstrip("/")
    wp_base = home_path + "/"
    path = raw_path
    if path.startswith(wp_base):
        path = path[len(wp_base) :]
    return f"{scheme}://{parts.netloc}{home_path}/{path.lstrip('/')}"


def base_string(method: str, url: str, params: PhpArray) -> str:
    """The string WooCommerce signs: METHOD&rawurlencode(url)&(sorted, doubly encoded k=v pairs joined by %26)."""
    ordered = dict(sorted(((k, v) for k, v in params.items() if k != "oauth_signature"), key=_strcmp_key))
    pairs: list[str] = []
    for key, value in ordered.items():
        _join(rfc3986(key), _encode_values(value), pairs)
    return f"{method.upper()}&{rfc3986(url)}&{'%26'.join(pairs)}"


def _strcmp_key(item: tuple[str, PhpValue]) -> bytes:
    return item[0].encode("utf-8")


def _encode_values(value: PhpValue) -> PhpValue:
    if isinstance(value, dict):
        return {k: _encode_values(v) for k, v in value.items()}
    return rfc3986(value)


def _join(key: str, value: PhpValue, out: list[str]) -> None:
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _join(f"{key}%5B{sub_key}%5D", sub_value, out)
    else:
        out.append(rfc3986(f"{key}={value}"))


def sign(base: str, consumer_secret: str, method: str) -> str:
    digest = SIGNED_METHODS[method]
    mac = hmac.new(f"{consumer_secret}&".encode(), base.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def provided_signature(raw: str) -> str:
    """WooCommerce's reading of oauth_signature: spaces back to `+`, then rawurldecode."""
    return unquote(raw.replace(" ", "+"))
