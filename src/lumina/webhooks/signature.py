"""WooCommerce's delivery signature and our per-shop delivery addresses."""

from __future__ import annotations

import base64
import hashlib
import hmac

from lumina.kit.crypto import SecretBox

ENDPOINT_PREFIX = "/api/v1/webhooks/woocommerce/"


def sign(body: bytes, secret: str) -> str:
    """Base64 (standard, padded) of HMAC-SHA256 over the exact raw body, as the shop computes it."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def signature_valid(body: bytes, secret: str, received: str | None) -> bool:
    """Constant-time comparison; checked on the raw bytes, before anything parses the body."""
    if not received:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), received.strip().encode("ascii", "replace"))


def endpoint_of(box: SecretBox, shop_id: int) -> str:
    """The last path segment of a shop's delivery address: its id and a tag nobody can compute without
    ENCRYPTION_KEY, so that the answer to a made-up address tells nothing about which shops exist."""
    return f"{shop_id}-{box.tag(f'webhook endpoint {shop_id}')}"


def shop_of(box: SecretBox, endpoint: str) -> int | None:
    """The shop an address segment belongs to, or None when it is not one we handed out."""
    shop_part, _, _tag = endpoint.partition("-")
    if not shop_part.isdigit() or len(shop_part) > 18:
        return None
    shop_id = int(shop_part)
    expected = endpoint_of(box, shop_id)
    return shop_id if hmac.compare_digest(expected.encode(), endpoint.encode("utf-8", "replace")) else None


def delivery_url(public_url: str, box: SecretBox, shop_id: int) -> str:
    return f"{public_url.rstrip('/')}{ENDPOINT_PREFIX}{endpoint_of(box, shop_id)}"
