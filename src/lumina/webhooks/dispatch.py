"""The seam between receiving a delivery and acting on it: the receiver calls `dispatch` and nothing else.

Today the orders go to this process's `HintBatcher`. In queue mode (SYNC_RUNNER=queue) this is the one function
to change: enqueue a job that calls `lumina.sync.refresh.refresh_orders` for the shop and ids, so a worker
brings them up to date instead of the API process.
"""

from __future__ import annotations

from collections.abc import Sequence

from lumina.context import ServiceContext
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
    batcher_of(context).add(shop_id, order_ids)


def intake_of(context: ServiceContext) -> WebhookIntake:
    intake: WebhookIntake | None = context.components.get(INTAKE)
    if intake is None:
        intake = WebhookIntake(context, lambda shop_id, order_ids: dispatch(context, shop_id, order_ids))
        context.components[INTAKE] = intake
    return intake
