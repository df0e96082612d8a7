"""Admin API: the history of sync runs, newest first, filtered and paginated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from lumina.admin.schemas import RunList, RunOut
from lumina.api.deps import ContextDep, SessionDep
from lumina.api.integers import IdParam, PageParam
from lumina.auth.deps import admin_user
from lumina.models import SyncRunStatus, SyncTrigger
from lumina.sync.history import history
from lumina.sync.runs import RunFilter

router = APIRouter(prefix="/sync", dependencies=[Depends(admin_user)])  # runs of shared shops: the operator's

MAX_LIMIT = 200


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC, like every time the API returns."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get("/runs", summary="Sync runs, newest first: trigger, timings, requests, pages, counts, error")
async def list_runs(  # noqa: PLR0917 - the query parameters are the filters
    session: SessionDep,
    context: ContextDep,
    shop_id: Annotated[IdParam | None, Query(alias="shopId")] = None,
    family_id: Annotated[
        IdParam | None, Query(alias="familyId", description="Runs of the shops this family is linked to.")
    ] = None,
    status: SyncRunStatus | None = None,
    trigger: SyncTrigger | None = None,
    since: Annotated[datetime | None, Query(alias="from", description="Started at or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Started before (ISO 8601).")] = None,
    limit: Annotated[PageParam, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[PageParam, Query(ge=0)] = 0,
) -> RunList:
    which = RunFilter(shop_id, family_id, status, trigger, _utc(since), _utc(until))
    page = await history(session, context, which, limit=limit, offset=offset)
    runs = [RunOut.of(view) for view in page.runs]
    return RunList(runs=runs, count=len(runs), total=page.total, limit=limit, offset=offset)
