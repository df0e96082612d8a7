"""Bodies of the shops part of the admin API. Credentials go in; only `keyHint` ever comes out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, SecretStr

from lumina.api.integers import ShopIdField
from lumina.api.schemas import CamelModel, RequestBody
from lumina.models import FamilyShop, ShopConnection
from lumina.shops.health import ShopHealth
from lumina.shops.service import ShopInput, ShopSummary
from lumina.shops.update import MAX_INTERVAL_MINUTES, ShopChanges
from lumina.woocommerce import AuthMode, ShopInfo


def tls_verified(shop: ShopConnection) -> bool:
    """Whether the shop's traffic is TLS with a verified certificate: never for an http:// shop."""
    return shop.verify_tls and shop.url.lower().startswith("https://")


class ShopCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000, description="The shop's home URL, e.g. https://shop.example")
    consumer_key: SecretStr = Field(min_length=1, max_length=200)
    consumer_secret: SecretStr = Field(min_length=1, max_length=200)
    auth_mode: AuthMode = Field(
        default=AuthMode.AUTO, description="auto: Basic over HTTPS, OAuth 1.0a over HTTP; query: keys in the URL."
    )
    verify_tls: bool = True
    check: bool = Field(default=True, description="Check the URL and key against the shop before saving.")
    allow_read_only: bool = Field(default=False, description="Accept a key that may read but not change orders.")

    def to_input(self) -> ShopInput:
        return ShopInput(
            name=self.name,
            url=self.url,
            consumer_key=self.consumer_key.get_secret_value(),
            consumer_secret=self.consumer_secret.get_secret_value(),
            auth_mode=self.auth_mode,
            verify_tls=self.verify_tls,
        )


class ShopUpdate(RequestBody):
    """Only the fields given change; the cached orders stay. A new URL, key, auth mode or TLS setting is checked
    against the shop before anything is stored (unless `check` is false)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(
        default=None, min_length=1, max_length=2000, description="A new home URL: refused when it is another store."
    )
    consumer_key: SecretStr | None = Field(default=None, min_length=1, max_length=200)
    consumer_secret: SecretStr | None = Field(default=None, min_length=1, max_length=200)
    auth_mode: AuthMode | None = None
    verify_tls: bool | None = None
    sync_interval_minutes: int | None = Field(
        default=None, ge=1, le=MAX_INTERVAL_MINUTES, description="Minutes between syncs; null: SYNC_INTERVAL."
    )
    check: bool = Field(default=True, description="Check a new URL, key, auth mode or TLS setting first.")
    allow_read_only: bool = Field(default=False, description="Accept a key that may read but not change orders.")

    def to_changes(self) -> ShopChanges:
        given = self.model_fields_set
        key, secret = self.consumer_key, self.consumer_secret
        return ShopChanges(
            name=self.name,
            url=self.url,
            consumer_key=key.get_secret_value() if key else None,
            consumer_secret=secret.get_secret_value() if secret else None,
            auth_mode=self.auth_mode,
            verify_tls=self.verify_tls,
            sync_interval_minutes=self.sync_interval_minutes,
            interval_given="sync_interval_minutes" in given,
        )


class WebhookOut(CamelModel):
    """The webhooks this service registered on the shop."""

    active: bool = Field(description="Every topic's webhook is active on the shop.")
    topics: dict[str, str] = Field(description="Topic -> the shop's status for our webhook (active, paused, disabled).")
    reactivations: int = Field(description="Times a webhook the shop had disabled was turned back on.")
    checked_at: datetime | None = Field(description="When the webhooks were last all checked.")


class HealthOut(CamelModel):
    """How the shop's sync is doing."""

    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None = Field(description="The last failure, with credentials masked; null after a success.")
    consecutive_failures: int
    next_attempt_at: datetime | None = Field(description="The earliest a scheduled sync may run (interval, backoff).")
    lag_seconds: float | None = Field(description="Seconds since the last successful sync; null before the first.")
    syncing: bool = Field(description="A sync of this shop is running now.")
    orders_mirrored: int = Field(description="Distinct orders of this shop in the cache.")
    interval_minutes: int = Field(description="Minutes between syncs: the shop's own, or SYNC_INTERVAL.")
    webhook: WebhookOut | None = Field(
        default=None, description="Webhook state (null: none registered, as without PUBLIC_URL)."
    )

    @classmethod
    def of(cls, health: ShopHealth) -> HealthOut:
        return cls.model_validate(health, from_attributes=True)


class ShopOut(CamelModel):
    id: int
    name: str
    url: str
    key_hint: str
    auth_mode: str
    verify_tls: bool
    tls_verified: bool = Field(description="True only for an https:// shop whose certificate is verified.")
    is_default: bool
    sync_interval_minutes: int | None = Field(description="The shop's own interval; null follows SYNC_INTERVAL.")
    wc_version: str | None
    timezone: str | None
    supports_modified_after: bool | None
    order_statuses: list[str] | None
    can_write: bool | None
    checked_at: datetime | None
    check_error: str | None = Field(description="Why the last check failed (null once one passes).")
    check_failed_at: datetime | None
    created_at: datetime
    family_count: int
    health: HealthOut

    @classmethod
    def of(cls, summary: ShopSummary) -> ShopOut:
        shop = summary.shop
        return cls(
            id=shop.id,
            name=shop.name,
            url=shop.url,
            key_hint=shop.key_hint,
            auth_mode=shop.auth_mode,
            verify_tls=shop.verify_tls,
            tls_verified=tls_verified(shop),
            is_default=shop.is_default,
            sync_interval_minutes=shop.sync_interval_minutes,
            wc_version=shop.wc_version,
            timezone=shop.timezone,
            supports_modified_after=shop.supports_modified_after,
            order_statuses=shop.order_statuses,
            can_write=shop.can_write,
            checked_at=shop.checked_at,
            check_error=shop.check_error,
            check_failed_at=shop.check_failed_at,
            created_at=shop.created_at,
            family_count=summary.family_count,
            health=HealthOut.of(summary.health),
        )


class CheckOut(CamelModel):
    """What the last connection check said beyond what is stored on the shop."""

    auth_mode: str
    site_name: str | None
    warnings: list[str]

    @classmethod
    def of(cls, info: ShopInfo) -> CheckOut:
        return cls(auth_mode=info.auth_mode.value, site_name=info.site_name, warnings=list(info.warnings))


class ShopEnvelope(CamelModel):
    shop: ShopOut
    check: CheckOut | None = None


class ShopList(CamelModel):
    shops: list[ShopOut]
    count: int = Field(description="Shops on this page.")
    total: int = Field(description="Shops in all.")
    limit: int
    offset: int


class LinkPut(RequestBody):
    customer_ids: list[ShopIdField] = Field(
        default_factory=list, description="WooCommerce customer ids; empty: no scope."
    )
    billing_emails: list[Annotated[str, Field(min_length=3, max_length=320)]] = Field(
        default_factory=list, description="Billing emails (matched case-insensitively); empty: no scope."
    )


class LinkOut(CamelModel):
    family_id: int
    shop_id: int
    customer_ids: list[int]
    billing_emails: list[str]
    scoped: bool
    created_at: datetime

    @classmethod
    def of(cls, link: FamilyShop) -> LinkOut:
        return cls(
            family_id=link.family_id,
            shop_id=link.shop_id,
            customer_ids=link.customer_ids or [],
            billing_emails=link.billing_emails or [],
            scoped=link.scoped,
            created_at=link.created_at,
        )


class LinkEnvelope(CamelModel):
    link: LinkOut


class LinkList(CamelModel):
    links: list[LinkOut]
    count: int
