"""Changing an order's status: the shop first, then the mirror from the shop's answer.

The shop is the source of truth, so Lumina never writes a status the shop has not confirmed: a failed or refused
write leaves the mirror as it was. A status change makes WooCommerce email the customer and move the order's
modification time, so an order that already has the asked status is not written at all, only refreshed. An order
the shop no longer knows ("Invalid ID": deleted for good) leaves every view, as the sync's deletion does.

Every change asked is audited (`status_audit`), and a change the shop made gets an order note there naming the
Lumina user, as WooCommerce's own admin names who changed a status.

No database transaction stays open while the shop is being asked (that can take tens of seconds): the order is
read in one short unit of work, the shop is called, and its answer is written in another. Once that commits, the
families holding the order are announced as changed, so this process's read cache answers with it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lumina.context import ServiceContext
from lumina.errors import BadGatewayError, NotFoundError, ServiceUnavailableError
from lumina.kit.changes import family_data_changed_on_commit
from lumina.logging import get_logger
from lumina.models import StatusChangeOutcome, User
from lumina.orders import status_audit
from lumina.orders.repository import FamilyOrderRepository, FamilyShopLinks, families_holding
from lumina.orders.schemas import OrderDetail, StatusUpdateResult
from lumina.orders.status_audit import Asked
from lumina.shops.connect import build_client
from lumina.sync.writer import tombstone_orders, write_shop_orders
from lumina.woocommerce import RetryPolicy, WooClient, WooError, WooNotFoundError, WooOrder

logger = get_logger("lumina.orders.status")

# Someone is waiting for the answer: a few quick retries, and a shop's Retry-After is not waited out for minutes.
# A status change that could not be made is the user's to try again; the next sync shows the shop's state anyway.
WRITE_BACK_RETRY = RetryPolicy(attempts=3, base_delay=0.25, max_delay=1.0, max_retry_after=5.0)


@dataclass(frozen=True, slots=True)
class _Target:
    order_id: int
    shop_id: int
    woocommerce_order_id: int
    status: str  # as mirrored


@dataclass(frozen=True, slots=True)
class _Answer:
    order: WooOrder  # as the shop holds it now
    changed: bool  # whether a change was sent
    before: str  # the status the shop had
    note_id: int | None  # the order note left in the shop


class _DeletedInShopError(Exception):
    """The shop says the order id is invalid: the order was deleted there for good."""


class _ShopFailedError(Exception):
    def __init__(self, error: WooError, action: str) -> None:
        super().__init__(action)
        self.error, self.action = error, action


def deleted_in_shop(error: WooError) -> bool:
    """WooCommerce's "Invalid ID" (404 on a read, 400 on a write); not a missing route, which is a shop problem."""
    return isinstance(error, WooNotFoundError) and (error.code or "").endswith("_invalid_id")


def shop_error(error: WooError, action: str) -> BadGatewayError:
    """The shop's refusal, fit for a member: its status, code, the client's reason and hint; never the shop's own
    text (a shop or proxy may echo the request in it), a URL or a credential."""
    return BadGatewayError(
        f"The shop did not {action}: {error.reason}",
        details={"shop": {"status": error.status, "code": error.code, "message": error.reason, "hint": error.hint}},
    )


class OrderStatusWriter:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    async def set_status(self, user: User, order_id: int, status: str) -> StatusUpdateResult:
        family_id = user.family_id
        target, client = await self._prepare(family_id, order_id)
        asked = Asked.of(user, target.shop_id, target.woocommerce_order_id, target.status, status)
        try:
            answer = await self._ask_shop(client, target, asked)
        except _DeletedInShopError:
            await self._forget(target, asked)
            raise NotFoundError("Order not found: it was deleted in the shop.") from None
        except _ShopFailedError as failed:
            async with self._context.database.transaction() as session:
                status_audit.record(session, asked, StatusChangeOutcome.REFUSED, reason=failed.error.summary())
            raise shop_error(failed.error, failed.action) from failed.error
        async with self._context.database.transaction() as session:
            # No retention cutoff: the order is in the mirror now, and the retention job removes it on its own time.
            await write_shop_orders(session, target.shop_id, [answer.order], retention_cutoff=None)
            outcome = StatusChangeOutcome.CHANGED if answer.changed else StatusChangeOutcome.UNCHANGED
            status_audit.record(session, asked, outcome, from_status=answer.before, shop_note_id=answer.note_id)
            holders = await families_holding(session, target.shop_id, target.woocommerce_order_id)
            family_data_changed_on_commit(session, {family_id, *holders})
            order = await FamilyOrderRepository(session, family_id).get(target.order_id)
            detail = None if order is None else OrderDetail.model_validate(order, from_attributes=True)
        if detail is None:  # the shop's answer took it out of the family's view (trashed meanwhile): still written
            raise NotFoundError("Order not found.")
        logger.info(
            "order status set",
            family_id=family_id,
            user_id=user.id,
            order_id=order_id,
            shop_id=target.shop_id,
            woocommerce_order_id=target.woocommerce_order_id,
            status=answer.order.status,
            sent_to_shop=answer.changed,
        )
        message = "Order status updated" if answer.changed else "The order already had this status"
        return StatusUpdateResult(message=message, changed=answer.changed, order=detail)

    async def _prepare(self, family_id: int, order_id: int) -> tuple[_Target, WooClient]:
        async with self._context.database.transaction() as session:
            order = await FamilyOrderRepository(session, family_id).get(order_id)
            if order is None:
                raise NotFoundError("Order not found.")
            shop = await FamilyShopLinks(session, family_id).linked_shop(order.shop_id)
            if shop is None:
                raise ServiceUnavailableError(
                    "This order's shop is no longer connected to your family, so its status cannot be changed."
                )
            target = _Target(order.id, order.shop_id, order.woocommerce_order_id, order.status)
            try:
                client = build_client(self._context.settings, self._context.secret_box, shop, retry=WRITE_BACK_RETRY)
            except ValueError as exc:  # credentials that no longer decrypt, or an auth mode unfit for the URL
                logger.warning("shop connection unusable", shop_id=shop.id, problem=str(exc))
                raise ServiceUnavailableError(
                    "The shop connection cannot be used right now; an administrator needs to check it."
                ) from exc
        return target, client

    async def _forget(self, target: _Target, asked: Asked) -> None:
        """Take the order out of every view, as the sync does with an order deleted in the shop."""
        async with self._context.database.transaction() as session:
            await tombstone_orders(session, target.shop_id, [target.woocommerce_order_id], now=datetime.now(UTC))
            status_audit.record(session, asked, StatusChangeOutcome.NOT_FOUND)
            holders = await families_holding(session, target.shop_id, target.woocommerce_order_id)
            family_data_changed_on_commit(session, {asked.family_id, *holders})
        logger.info(
            "order deleted in the shop: removed from the views",
            shop_id=target.shop_id,
            woocommerce_order_id=target.woocommerce_order_id,
        )

    @staticmethod
    async def _ask_shop(client: WooClient, target: _Target, asked: Asked) -> _Answer:
        """The order as the shop holds it after the change, whether a change was sent, and the note left."""
        order_id = target.woocommerce_order_id
        async with client:
            try:
                current = await client.get_order(order_id)
            except WooError as error:
                if deleted_in_shop(error):
                    raise _DeletedInShopError from error
                raise _ShopFailedError(error, "return the order") from error
            if current.status == asked.to_status:
                return _Answer(current, changed=False, before=current.status, note_id=None)
            try:
                updated = await client.update_order_status(order_id, asked.to_status)
            except WooError as error:
                if deleted_in_shop(error):
                    raise _DeletedInShopError from error
                logger.warning(
                    "order status not set: the shop failed",
                    shop_id=target.shop_id, woocommerce_order_id=order_id, error_code=error.code,
                    http_status=error.status,
                )  # fmt: skip
                raise _ShopFailedError(error, "accept the status change") from error
            note = replace(asked, from_status=current.status).note()
            try:
                note_id = await client.add_order_note(order_id, note)
            except WooError as error:  # the status is changed; the note is a courtesy that must not undo that
                logger.warning("order note not added", shop_id=target.shop_id, woocommerce_order_id=order_id,
                               error=error.summary())  # fmt: skip
                note_id = None
        return _Answer(updated, changed=True, before=current.status, note_id=note_id)
