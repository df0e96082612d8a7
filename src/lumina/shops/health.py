"""How each shop's sync is doing, as an operator needs to see it without SQL.

Read from the shop's sync state row (written by the engine at the end of every run) and the cached orders. The
last error is shown with the shop's own key and secret and any credential in a URL masked: a message stored by
an older version, or one quoting a request, must not hand the keys to whoever reads the admin API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lumina.kit.crypto import SecretBox
from lumina.models import ShopConnection, ShopSyncState, ShopWebhook
from lumina.shops.connect import credentials_of
from lumina.woocommerce import redact_url

MASK = "[redacted]"


@dataclass(frozen=True, slots=True)
class WebhookHealth:
    """The webhooks this service registered on the shop (PUBLIC_URL set): their state as the last check found it."""

    topics: dict[str, str]  # topic -> the shop's status for our webhook (active, paused, disabled)
    reactivations: int  # times the shop had disabled one after failed deliveries and a check turned it back on
    checked_at: datetime | None  # the oldest of the last checks

    @property
    def active(self) -> bool:
        return bool(self.topics) and all(status == "active" for status in self.topics.values())

    @classmethod
    def of(cls, hooks: Sequence[ShopWebhook]) -> WebhookHealth | None:
        if not hooks:
            return None
        checks = [hook.checked_at for hook in hooks if hook.checked_at is not None]
        return cls(
            topics={hook.topic: hook.status for hook in hooks},
            reactivations=sum(hook.reactivations for hook in hooks),
            checked_at=min(checks) if len(checks) == len(hooks) else None,
        )


@dataclass(frozen=True, slots=True)
class ShopHealth:
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    next_attempt_at: datetime | None  # the earliest a scheduled sync may run: after the interval and any backoff
    lag_seconds: float | None  # now minus the last success; None before the first
    syncing: bool  # a process holds the shop's lease
    orders_mirrored: int  # distinct orders of this shop in the cache
    interval_minutes: int  # the shop's own interval, or SYNC_INTERVAL
    webhook: WebhookHealth | None = None  # None: no webhooks registered (PUBLIC_URL unset, or not yet)


def redacted_error(box: SecretBox, shop: ShopConnection | None, error: str | None) -> str | None:
    """`error` with the shop's key and secret, and credentials in URLs, masked."""
    if error is None:
        return None
    secrets: tuple[str, ...] = ()
    try:
        if shop is not None:
            credentials = credentials_of(box, shop)
            secrets = (credentials.consumer_key, credentials.consumer_secret)
    except ValueError:  # not decryptable: only credentials in URLs can be masked
        pass
    for secret in secrets:
        error = error.replace(secret, MASK)
    return redact_url(error)


def health_of(
    box: SecretBox,
    shop: ShopConnection,
    state: ShopSyncState | None,
    orders_mirrored: int,
    *,
    default_interval: int,
    webhook: WebhookHealth | None = None,
    now: datetime | None = None,
) -> ShopHealth:
    """`default_interval`: SYNC_INTERVAL, for shops without their own."""
    now = now or datetime.now(UTC)
    interval = shop.sync_interval_minutes or default_interval
    if state is None:
        return ShopHealth(None, None, None, 0, None, None, False, orders_mirrored, interval, webhook)
    due = state.last_attempt_at + timedelta(minutes=interval) if state.last_attempt_at else None
    candidates = [moment for moment in (due, state.next_attempt_at) if moment is not None]
    lease = state.lock_owner is not None and state.lock_expires_at is not None and state.lock_expires_at > now
    return ShopHealth(
        last_success_at=state.last_success_at,
        last_attempt_at=state.last_attempt_at,
        last_error=redacted_error(box, shop, state.last_error),
        consecutive_failures=state.consecutive_failures,
        next_attempt_at=max(candidates) if candidates else None,
        lag_seconds=round((now - state.last_success_at).total_seconds(), 3) if state.last_success_at else None,
        syncing=lease,
        orders_mirrored=orders_mirrored,
        interval_minutes=interval,
        webhook=webhook,
    )
