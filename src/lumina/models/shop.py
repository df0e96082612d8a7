"""Shop connections and the links that route a shop's orders to families."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import UTCDateTime
from lumina.models._columns import JSONType, utcnow


class ShopConnection(Base):
    """A WooCommerce shop we read orders from.

    Credentials are encrypted at rest (`lumina.kit.crypto`); `key_hint` (the key's last characters) lets a person
    tell keys apart without seeing them. The shop configured by env variables is the row with `is_default`.
    """

    __tablename__ = "shop_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    consumer_key_encrypted: Mapped[str] = mapped_column(Text)
    consumer_secret_encrypted: Mapped[str] = mapped_column(Text)
    key_hint: Mapped[str] = mapped_column(String(16), default="")
    auth_mode: Mapped[str] = mapped_column(String(16), default="auto")
    verify_tls: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False, index=True)
    # Minutes between this shop's syncs; None follows the service's SYNC_INTERVAL.
    sync_interval_minutes: Mapped[int | None] = mapped_column()
    # What the connection check found out about the shop.
    wc_version: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    supports_modified_after: Mapped[bool | None] = mapped_column()
    order_statuses: Mapped[list[str] | None] = mapped_column(JSONType)
    can_write: Mapped[bool | None] = mapped_column()
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the last check (the default shop's, at start-up) failed, and when; None once a check passes.
    check_error: Mapped[str | None] = mapped_column(Text)
    check_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The secret the shop signs webhook deliveries with (encrypted like the keys); None until webhooks are registered.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class FamilyShop(Base):
    """A family sees a shop's orders; with a customer scope, only those customers' orders."""

    __tablename__ = "family_shops"
    __table_args__ = (UniqueConstraint("family_id", "shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"), index=True)
    customer_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    billing_emails: Mapped[list[str] | None] = mapped_column(JSONType)  # lower-cased
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def scoped(self) -> bool:
        return bool(self.customer_ids or self.billing_emails)


class ShopWebhook(Base):
    """A webhook this service registered on a shop: deliveries naming another webhook id are refused.

    `reactivations` counts the times the shop had disabled it (after failed deliveries) and a cycle re-activated
    it: part of the shop's health.
    """

    __tablename__ = "shop_webhooks"
    __table_args__ = (UniqueConstraint("shop_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"), index=True)
    remote_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(64))
    delivery_url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="active")
    reactivations: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
