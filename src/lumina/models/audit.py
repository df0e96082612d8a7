"""The record of status changes asked of a shop through Lumina: who asked, what, and what the shop did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import UTCDateTime
from lumina.models._columns import utcnow


class StatusChangeOutcome(StrEnum):
    CHANGED = "changed"  # the shop accepted the new status
    UNCHANGED = "unchanged"  # the order already had it: nothing was sent
    NOT_FOUND = "not_found"  # the order was deleted in the shop
    REFUSED = "refused"  # the shop refused or failed; `reason` says why


class OrderStatusChange(Base):
    """One status write-back. The user's name and email are copied, so the record outlives the account; the shop
    and family ids are set to NULL if those are removed. `reason` is the client's summary of a shop's refusal
    (its status and WooCommerce code, never the shop's own text)."""

    __tablename__ = "order_status_changes"
    __table_args__ = (Index("ix_order_status_changes_order", "shop_id", "woocommerce_order_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(320))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop_connections.id", ondelete="SET NULL"))
    woocommerce_order_id: Mapped[int] = mapped_column(BigInteger)
    from_status: Mapped[str | None] = mapped_column(String(64))
    to_status: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    shop_note_id: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
