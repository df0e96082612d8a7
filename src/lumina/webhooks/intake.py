"""Taking a delivery: which shop, its signature, duplicates, the rate, then the hint it carries.

Checks run cheapest first and write nothing until the signature holds. Unknown addresses and webhook ids answer
the same 404: our addresses carry a tag only ENCRYPTION_KEY computes (`signature.endpoint_of`), so a made-up one
learns nothing about which shops exist.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256

import orjson
from sqlalchemy import select

from lumina.context import ServiceContext
from lumina.errors import AppError, BadRequestError, NotFoundError, TooManyRequestsError
from lumina.models import ShopConnection, ShopWebhook
from lumina.webhooks.guards import RecentDeliveries, ShopRateLimit
from lumina.webhooks.signature import shop_of, signature_valid

COMPONENT = "webhook_intake"
ORDER_TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored")
_PING = re.compile(rb"webhook_id=\d{1,18}")
_NOT_FOUND = "No webhook receiver at this address."

# Hands the ids of orders a delivery named to what brings them up to date (`lumina.webhooks.dispatch`).
Dispatch = Callable[[int, Sequence[int]], Awaitable[None]]


class Outcome(StrEnum):
    PING = "ping"
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # a signed delivery of a topic we do not follow


class SignatureError(AppError):
    status_code = 401


@dataclass(frozen=True, slots=True)
class _Receiver:
    secret: str
    webhook_ids: frozenset[int]


def _is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """WooCommerce's creation ping: an unsigned form post `webhook_id=N`."""
    return (
        "x-wc-webhook-signature" not in headers
        and headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        and _PING.fullmatch(body.strip()) is not None
    )


def _order_id(body: bytes) -> int:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequestError("The delivery's body is not JSON.") from None
    order_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id < 1:
        raise BadRequestError("The delivery names no order id.")
    return order_id


class WebhookIntake:
    """One per process (rate and duplicate memories are per process; a duplicate taken twice is harmless)."""

    def __init__(self, context: ServiceContext, dispatch: Dispatch) -> None:
        self.context = context
        self.dispatch = dispatch
        self.recent = RecentDeliveries()
        self.rate = ShopRateLimit(context.settings.webhook_max_per_minute)

    async def receive(self, endpoint: str, headers: Mapping[str, str], body: bytes) -> Outcome:
        """`headers` with lower-case names. Raises NotFoundError, TooManyRequestsError, SignatureError or
        BadRequestError; nothing is written before the signature holds."""
        shop_id = shop_of(self.context.secret_box, endpoint)
        if shop_id is None:
            raise NotFoundError(_NOT_FOUND)
        wait = self.rate.take(shop_id)
        if wait:
            raise TooManyRequestsError("Too many deliveries for this shop: try again later.", retry_after=int(wait) + 1)
        receiver = await self._receiver(shop_id)
        if receiver is None:
            raise NotFoundError(_NOT_FOUND)
        if _is_ping(headers, body):
            return Outcome.PING
        if not signature_valid(body, receiver.secret, headers.get("x-wc-webhook-signature")):
            raise SignatureError("The delivery's signature is missing or wrong.")
        webhook_id = headers.get("x-wc-webhook-id", "")
        if not webhook_id.isdigit() or int(webhook_id) not in receiver.webhook_ids:
            raise NotFoundError(_NOT_FOUND)
        topic = headers.get("x-wc-webhook-topic", "")
        if topic not in ORDER_TOPICS:
            return Outcome.IGNORED
        order_id = _order_id(body)
        key = f"{shop_id}:{webhook_id}:{headers.get('x-wc-webhook-delivery-id', '')}:{sha256(body).hexdigest()}"
        if not self.recent.first_time(key):
            return Outcome.DUPLICATE
        await self.dispatch(shop_id, [order_id])
        return Outcome.ACCEPTED

    async def _receiver(self, shop_id: int) -> _Receiver | None:
        async with self.context.database.transaction() as session:
            secret = await session.scalar(
                select(ShopConnection.webhook_secret_encrypted).where(ShopConnection.id == shop_id)
            )
            if not secret:
                return None
            ids = await session.scalars(select(ShopWebhook.remote_id).where(ShopWebhook.shop_id == shop_id))
            return _Receiver(self.context.secret_box.decrypt(secret), frozenset(ids))
