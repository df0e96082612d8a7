"""The audit of status write-backs (`order_status_changes`): one row per change asked, whatever the shop did.

Rows are written in the same transaction as what the change did to the mirror (or, when the shop refused, on their
own), and read back per family: a family sees the changes its own users asked for, never another family's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import OrderStatusChange, StatusChangeOutcome, User


@dataclass(frozen=True, slots=True)
class Asked:
    """A status change as it was asked: by whom, of which shop order, from what (as far as known) to what."""

    user_id: int
    user_name: str
    user_email: str
    family_id: int
    shop_id: int
    woocommerce_order_id: int
    from_status: str | None
    to_status: str

    @classmethod
    def of(cls, user: User, shop_id: int, woocommerce_order_id: int, from_status: str, to_status: str) -> Asked:
        return cls(user.id, user.name, user.email, user.family_id, shop_id, woocommerce_order_id, from_status,
                   to_status)  # fmt: skip

    def note(self) -> str:
        """The order note left in the shop, as WooCommerce's admin leaves one naming who changed the status."""
        return (
            f"Order status changed from {self.from_status or 'unknown'} to {self.to_status} in Lumina by "
            f"{self.user_name} <{self.user_email}>."
        )


def record(
    session: AsyncSession,
    asked: Asked,
    outcome: StatusChangeOutcome,
    *,
    from_status: str | None = None,
    reason: str | None = None,
    shop_note_id: int | None = None,
) -> None:
    session.add(
        OrderStatusChange(
            family_id=asked.family_id,
            user_id=asked.user_id,
            user_name=asked.user_name,
            user_email=asked.user_email,
            shop_id=asked.shop_id,
            woocommerce_order_id=asked.woocommerce_order_id,
            from_status=from_status or asked.from_status,
            to_status=asked.to_status,
            outcome=outcome.value,
            reason=reason,
            shop_note_id=shop_note_id,
        )
    )


async def changes_of(
    session: AsyncSession, family_id: int, shop_id: int, woocommerce_order_id: int
) -> Sequence[OrderStatusChange]:
    """The family's status changes of one shop order, newest first."""
    statement = (
        select(OrderStatusChange)
        .where(
            OrderStatusChange.family_id == family_id,
            OrderStatusChange.shop_id == shop_id,
            OrderStatusChange.woocommerce_order_id == woocommerce_order_id,
        )
        .order_by(OrderStatusChange.changed_at.desc(), OrderStatusChange.id.desc())
    )
    return (await session.scalars(statement)).all()
