"""The family's mirror of a shop's orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import Money, UTCDateTime
from lumina.models._columns import JSONType, utcnow

# Orders a family never sees: WooCommerce's trash and the drafts an unfinished checkout leaves behind.
HIDDEN_STATUSES = frozenset({"trash", "checkout-draft"})


class CachedOrder(Base):
    """One shop order as one family sees it.

    Rows are kept as tombstones (`deleted_at`) when the order is trashed or deleted on the shop, or leaves the
    family's customer scope: a late, older copy must not bring it back. `is_visible` is what the family's views
    filter on, derived from status and tombstone when the row is written.
    """

    __tablename__ = "cached_orders"
    __table_args__ = (
        UniqueConstraint("family_id", "shop_id", "woocommerce_order_id"),
        Index("ix_cached_orders_shop_order", "shop_id", "woocommerce_order_id"),
        Index("ix_cached_orders_family_list", "family_id", "is_visible", "date_created"),
        Index("ix_cached_orders_family_status", "family_id", "is_visible", "status", "date_created"),
        Index("ix_cached_orders_date_created", "date_created"),
        # Added by migration 0002 for the orders API: one per sort column of the list (its statistics index gave way
        # to `FamilyOrderStats` in 0003).
        Index("ix_cached_orders_family_modified", "family_id", "is_visible", "date_modified"),
        Index("ix_cached_orders_family_total", "family_id", "is_visible", "total"),
        Index("ix_cached_orders_family_customer", "family_id", "is_visible", "customer_name"),
        Index("ix_cached_orders_family_wc_id", "family_id", "is_visible", "woocommerce_order_id"),
        Index("ix_cached_orders_family_by_id", "family_id", "is_visible", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"))
    woocommerce_order_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(8))
    total: Mapped[Decimal] = mapped_column(Money())
    total_refunded: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    customer_id: Mapped[int] = mapped_column(BigInteger, default=0)
    billing_email: Mapped[str | None] = mapped_column(String(320))
    customer_name: Mapped[str] = mapped_column(String(400), default="")
    date_created: Mapped[datetime] = mapped_column(UTCDateTime())
    date_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    date_paid: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_completed: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_visible: Mapped[bool] = mapped_column(default=True)
