"""Bodies of the shops part of the admin API. Credentials go in; only `keyHint` ever comes out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, SecretStr

from lumina.api.integers import ShopIdField
from lumina.api.schemas import CamelModel, RequestBody
from lumina.models import FamilyShop, ShopConnection
from lumina.shops.service import ShopInput
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


class ShopOut(CamelModel):
    id: int
    name: str
    url: str
    key_hint: str
    auth_mode: str
    verify_tls: bool
    tls_verified: bool = Field(description="True only for an https:// shop whose certificate is verified.")
    is_default: bool
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

    @classmethod
    def of(cls, shop: ShopConnection, family_count: int) -> ShopOut:
        return cls(
            id=shop.id,
            name=shop.name,
            url=shop.url,
            key_hint=shop.key_hint,
            auth_mode=shop.auth_mode,
            verify_tls=shop.verify_tls,
            tls_verified=tls_verified(shop),
            is_default=shop.is_default,
            wc_version=shop.wc_version,
            timezone=shop.timezone,
            supports_modified_after=shop.supports_modified_after,
            order_statuses=shop.order_statuses,
            can_write=shop.can_write,
            checked_at=shop.checked_at,
            check_error=shop.check_error,
            check_failed_at=shop.check_failed_at,
            created_at=shop.created_at,
            family_count=family_count,
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
    count: int


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
