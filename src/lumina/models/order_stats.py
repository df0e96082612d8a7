"""The maintained aggregate behind the orders API's statistics."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import Money

# Read by its key's prefix: without a rowid, SQLite keeps a family's rows together in the table itself.
_CLUSTERED_BY_KEY = {"sqlite_with_rowid": False}


class FamilyOrderStats(Base):
    """A family's visible orders of one status in one currency: how many, and their totals minus refunds.

    Written only by the database's triggers on `cached_orders` (migration 0003), never by the application, so that
    no write path can leave it behind. A count that fell to 0 keeps its row; readers skip it.
    """

    __tablename__ = "family_order_stats"
    __table_args__ = _CLUSTERED_BY_KEY

    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(8), primary_key=True)
    order_count: Mapped[int] = mapped_column(Integer)
    net: Mapped[Decimal] = mapped_column(Money())
