"""WooCommerce REST authentication (WC_REST_Authentication), step by step as the real shop runs it.

Order of events for a request whose URI contains `wp-json/wc/`:
1. Over HTTPS only: `consumer_key`/`consumer_secret` query parameters, else HTTP Basic. An unknown key is
   silently ignored (the request is then anonymous); a known key with a wrong secret records an error.
2. If that did not log the request in: OAuth 1.0a from the query, form body and `Authorization: OAuth`
   header. Missing parameters, an unknown key, a bad signature, a timestamp outside 15 minutes or a nonce
   seen before record an error (the last one recorded wins).
3. A recorded error is returned at once (401); otherwise a logged-in key must also have the permission the
   HTTP method needs before the route runs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from dataclasses import dataclass

from woosim.config import ApiKey
from woosim.wordpress.errors import WooError
from woosim.wordpress.oauth import (
    SIGNED_METHODS,
    base_request_url,
    base_string,
    parse_authorization_header,
    provided_signature,
    sign,
)
from woosim.wordpress.phpquery import PhpArray

NONCE_WINDOW = 15 * 60
_OAUTH_REQUIRED = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")


@dataclass
class AuthRequest:
    method: str
    scheme: str
    raw_path: str  # the path as sent, percent-encoding kept
    request_uri: str  # path and query as sent
    query: PhpArray
    form: PhpArray  # a urlencoded body ($_POST); JSON bodies are not signed
    authorization: str | None


@dataclass
class AuthResult:
    key: ApiKey | None = None  # the logged-in key
    error: WooError | None = None  # ends the request before dispatch


def _auth_error(message: str, code: str = "woocommerce_rest_authentication_error") -> WooError:
    return WooError(401, code, message)


class Authenticator:
    def __init__(self, keys: list[ApiKey], home_url: str) -> None:
        self._keys = {k.consumer_key: k for k in keys}
        self.home_url = home_url
        self._nonces: dict[str, dict[int, str]] = {}
        self._lock = threading.Lock()

    def add_key(self, key: ApiKey) -> None:
        with self._lock:
            self._keys[key.consumer_key] = key

    def revoke_key(self, consumer_key: str) -> None:
        with self._lock:
            self._keys.pop(consumer_key, None)

    def lookup(self, consumer_key: str) -> ApiKey | None:
        with self._lock:
            return self._keys.get(consumer_key)

    def authenticate(self, req: AuthRequest, now: float) -> AuthResult:
        result = AuthResult()
        if "wp-json/wc/" not in req.request_uri and "wp-json/wc-" not in req.request_uri:
            return result
        if req.scheme == "https":
            result.key = self._basic(req, result)
            if result.key is not None:
                return result
        result.key = self._oauth(req, result, now)
        if result.error is not None:
            result.key = None
        return result

    def _basic(self, req: AuthRequest, result: AuthResult) -> ApiKey | None:
        consumer_key = secret = ""
        q_key, q_secret = req.query.get("consumer_key"), req.query.get("consumer_secret")
        if isinstance(q_key, str) and isinstance(q_secret, str) and q_key and q_secret:
            consumer_key, secret = q_key, q_secret
        elif req.authorization and req.authorization[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(req.authorization[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            user, sep, password = decoded.partition(":")
            if sep and user and password:
                consumer_key, secret = user, password
        if not consumer_key or not secret:
            return None
        key = self.lookup(consumer_key)
        if key is None:
            return None
        if not hmac.compare_digest(key.consumer_secret.encode(), secret.encode()):
            result.error = _auth_error("Consumer secret is invalid.")
            return None
        return key

    def _oauth(self, req: AuthRequest, result: AuthResult, now: float) -> ApiKey | None:
        params: PhpArray = {**req.query, **req.form}
        if req.authorization:
            params.update(parse_authorization_header(req.authorization))
        missing = [name for name in _OAUTH_REQUIRED if not _filled(params.get(name))]
        if len(missing) == len(_OAUTH_REQUIRED):
            return None
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            result.error = _auth_error(
                f"Missing OAuth {noun} {', '.join(missing)}", "woocommerce_rest_authentication_missing_parameter"
            )
            return None
        key = self.lookup(str(params["oauth_consumer_key"]))
        if key is None:
            result.error = _auth_error("Consumer key is invalid.")
            return None
        method = str(params["oauth_signature_method"])
        url = base_request_url(self.home_url, req.scheme, req.raw_path)
        base = base_string(req.method, url, params)
        if method not in SIGNED_METHODS:
            result.error = _auth_error("Invalid signature - signature method is invalid.")
            return None
        expected = sign(base, key.consumer_secret, method)
        if not hmac.compare_digest(expected.encode(), provided_signature(str(params["oauth_signature"])).encode()):
            result.error = _auth_error("Invalid signature - provided signature does not match.")
            return None
        problem = self._timestamp_and_nonce(key, str(params["oauth_timestamp"]), str(params["oauth_nonce"]), now)
        if problem is not None:
            result.error = _auth_error(problem)
            return None
        return key

    def _timestamp_and_nonce(self, key: ApiKey, timestamp_text: str, nonce: str, now: float) -> str | None:
        try:
            timestamp = int(timestamp_text)
        except ValueError:
            return "Invalid timestamp."
        current = int(now)
        if timestamp < current - NONCE_WINDOW or timestamp > current + NONCE_WINDOW:
            return "Invalid timestamp."
        with self._lock:
            used = self._nonces.setdefault(key.consumer_key, {})
            if nonce in used.values():
                return "Invalid nonce - nonce has already been used."
            # WooCommerce keys the remembered nonces by timestamp: a later request with the same
            # timestamp replaces the earlier nonce, which may then be replayed.
            used[timestamp] = nonce
            for stamp in [s for s in used if s < current - NONCE_WINDOW]:
                del used[stamp]
        return None

    @staticmethod
    def method_allowed(key: ApiKey, method: str) -> WooError | None:
        """check_permissions, run before the route: a read-only key may not write."""
        if key.can(method):
            return None
        if method in ("GET", "HEAD"):
            return _auth_error("The API key provided does not have read permissions.")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            return _auth_error("The API key provided does not have write permissions.")
        return _auth_error("Unknown request method.")


def _filled(value: object) -> bool:
    """PHP's !empty() for a request parameter."""
    return value not in (None, "", "0") and value != {}
