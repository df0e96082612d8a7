"""The run history as operators read it (admin API, `lumina runs`): each run with its error's credentials masked
by the shop's own key and secret, as the shops' health shows theirs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.models import SyncRun
from lumina.shops import repository as shops
from lumina.shops.health import redacted_error
from lumina.sync.runs import RunFilter, list_runs


@dataclass(frozen=True, slots=True)
class RunView:
    run: SyncRun
    error: str | None  # redacted

    @property
    def duration_seconds(self) -> float | None:
        run = self.run
        return round((run.finished_at - run.started_at).total_seconds(), 3) if run.finished_at else None


@dataclass(frozen=True, slots=True)
class RunPage:
    runs: list[RunView]
    total: int


async def history(
    session: AsyncSession, context: ServiceContext, which: RunFilter, *, limit: int, offset: int = 0
) -> RunPage:
    runs, total = await list_runs(session, which, limit=limit, offset=offset)
    by_id = {shop.id: shop for shop in await shops.by_ids(session, {run.shop_id for run in runs})}
    box = context.secret_box
    return RunPage([RunView(run, redacted_error(box, by_id.get(run.shop_id), run.error)) for run in runs], total)
