"""Reading the audit of status write-backs for one of the family's orders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.errors import NotFoundError
from lumina.orders import status_audit
from lumina.orders.repository import FamilyOrderRepository
from lumina.orders.schemas import StatusChangeList, StatusChangeOut


async def of_order(session: AsyncSession, family_id: int, order_id: int) -> StatusChangeList:
    order = await FamilyOrderRepository(session, family_id).get(order_id)
    if order is None:
        raise NotFoundError("Order not found.")
    rows = await status_audit.changes_of(session, family_id, order.shop_id, order.woocommerce_order_id)
    changes = [StatusChangeOut.model_validate(row) for row in rows]
    return StatusChangeList(status_changes=changes, count=len(changes))
