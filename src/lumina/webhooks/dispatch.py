"""The seam between receiving a delivery and acting on it: the receiver calls `dispatch` and nothing else.

Embedded mode: the orders go to this process's `HintBatcher`. Queue mode (SYNC_RUNNER=queue): a `webhooks.refresh`
job, so that a worker brings them up to date and the API process only answers the shop.
"""

from __future__ import annotations

from collections.abc import Sequence

from lumina.context import ServiceContext
from lumina.queue import SyncQueue
from lumina.webhooks.batcher import COMPONENT as BATCHER
from lumina.webhooks.batcher import HintBatcher
from lumina.webhooks.intake import COMPONENT as INTAKE
from lumina.webhooks.intake import WebhookIntake


def batcher_of(context: ServiceContext) -> HintBatcher:
    batcher: HintBatcher | None = context.components.get(BATCHER)
    if batcher is None:
        batcher = HintBatcher(context)
        context.components[BATCHER] = batcher
    return batcher


async def dispatch(context: ServiceContext, shop_id: int, order_ids: Sequence[int]) -> None:
    """Bring these orders of the shop up to date soon; returns at once."""
    queue: SyncQueue | None = context.components.get("queue")
    if queue is not None:
        await queue.enqueue_refresh(shop_id, order_ids)
        return
    batcher_of(context).add(shop_id, order_ids)


def intake_of(context: ServiceContext) -> WebhookIntake:
    intake: WebhookIntake | None = context.components.get(INTAKE)
    if intake is None:
        intake = WebhookIntake(context, lambda shop_id, order_ids: dispatch(context, shop_id, order_ids))
        context.components[INTAKE] = intake
    return intake
