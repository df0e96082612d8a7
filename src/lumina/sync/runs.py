"""The record of every sync run (`sync_runs`), and the result the engine hands back."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.db.handoff import HandOff
from lumina.db.together import Together
from lumina.live.announce import TOLD, told_with
from lumina.live.bus import LiveEvent
from lumina.models import FamilyShop, SyncRun, SyncRunStatus, SyncTrigger
from lumina.models.sync import RUNNING_ONLY
from lumina.sync.state import ShopLease, releasing
from lumina.sync.writer import WriteCounts

SKIPPED = "skipped"  # a result status only: the shop was busy or backing off, no run was recorded
ABANDONED = "abandoned: the process running it stopped before it finished"
# The table, not the mapped class, in the UPDATEs every run makes (see `lumina.sync.state`).
_RUNS = cast(Table, SyncRun.__table__)
# A run's counters (each page) and its end, built once: its SET is the columns among the parameters.
_PROGRESS = HandOff(update(_RUNS).where(_RUNS.c.id == bindparam("run_id")))
_RUN_SHOP = bindparam("run_shop", type_=_RUNS.c.shop_id.type)
_RUN_STARTED = bindparam("run_started", type_=_RUNS.c.started_at.type)
_RUN_CURSOR = bindparam("run_cursor", type_=_RUNS.c.cursor_before.type)
_COUNTS = ("requests", "pages", "processed", "created", "updated", "unchanged", "deleted")
# The shop's runs left running, closed as abandoned when another run of the shop is recorded, at that run's start
# (when it took the shop over, so that the shop's runs never overlap). The condition is the partial index's own
# text (`ix_sync_runs_running`), not a bound parameter: only then do both databases find those runs through it
# rather than read the shop's whole history.
_ABANDON = (
    update(_RUNS)
    .where(_RUNS.c.shop_id == _RUN_SHOP, text(RUNNING_ONLY))
    .values(status=SyncRunStatus.FAILED.value, finished_at=_RUN_STARTED, error=ABANDONED)
)
# What every run's record starts with. The columns' Python-side defaults are not applied to an INSERT that carries a
# CTE, so every column is given.
_RECORD = {
    "shop_id": _RUN_SHOP,
    "family_id": bindparam("run_family", type_=_RUNS.c.family_id.type),
    "trigger": bindparam("run_trigger", type_=_RUNS.c.trigger.type),
    "started_at": _RUN_STARTED,
    "cursor_before": _RUN_CURSOR,
}
# A run's start (see `start_run`): the abandoned runs closed, then the new one's record.
_START = Together(
    _ABANDON,
    insert(_RUNS)
    .values(status=SyncRunStatus.RUNNING.value, cursor_after=_RUN_CURSOR, **_RECORD, **dict.fromkeys(_COUNTS, 0))
    .returning(_RUNS.c.id),
)
# A run recorded whole at its end (see `record_whole_run`), and the same selected from `TOLD`: its families told in
# the same statement, on PostgreSQL.
_WHOLE_VALUES = {
    "status": bindparam("run_status", type_=_RUNS.c.status.type),
    "finished_at": bindparam("run_finished", type_=_RUNS.c.finished_at.type),
    "error": bindparam("run_error", type_=_RUNS.c.error.type),
    "cursor_after": bindparam("run_cursor_after", type_=_RUNS.c.cursor_after.type),
    **_RECORD,
    **{name: bindparam(f"run_{name}", type_=_RUNS.c[name].type) for name in _COUNTS},
}
_WHOLE = {
    False: insert(_RUNS).values(_WHOLE_VALUES).returning(_RUNS.c.id),
    True: insert(_RUNS)
    .from_select(list(_WHOLE_VALUES), select(*_WHOLE_VALUES.values()).select_from(TOLD))
    .returning(_RUNS.c.id),
}


@functools.cache
def _recorded_whole(lease_columns: tuple[str, ...], told: bool) -> Together:
    """The lease given back with `lease_columns` stored, the abandoned runs closed and the run recorded (`told`: with
    its families told): one statement on PostgreSQL, built once for each set of columns. They belong together: a
    run recorded only at its end locked no run row before, and nobody else locks the new one, so no transaction can
    hold one of these rows while waiting for another."""
    return Together(releasing(lease_columns), _ABANDON, _WHOLE[told])


@dataclass(frozen=True, slots=True)
class SyncResult:
    """One shop's sync, as the API, the CLI and the scheduler report it."""

    shop_id: int
    run_id: int | None
    status: str  # SyncRunStatus value, or "skipped"
    trigger: str
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    requests: int = 0
    pages: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float = 0.0
    error: str | None = None
    family_id: int | None = None
    cursor_before: datetime | None = None
    cursor_after: datetime | None = None
    reconciled: bool = False

    @property
    def ok(self) -> bool:
        return self.status in (SyncRunStatus.SUCCEEDED.value, SKIPPED)

    def log_fields(self) -> dict[str, object]:
        """The run as the "sync finished" log line carries it (times as ISO text, no secrets)."""
        return {
            "shop_id": self.shop_id,
            "run_id": self.run_id,
            "trigger": self.trigger,
            "status": self.status,
            "duration_s": self.duration_seconds,
            "requests": self.requests,
            "pages": self.pages,
            "processed": self.processed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "reconciled": self.reconciled,
            "cursor_before": self.cursor_before.isoformat() if self.cursor_before else None,
            "cursor_after": self.cursor_after.isoformat() if self.cursor_after else None,
            "error": self.error,
        }

    @classmethod
    def of_run(cls, run: SyncRun) -> SyncResult:
        duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
        return cls(
            shop_id=run.shop_id,
            run_id=run.id,
            status=run.status,
            trigger=run.trigger,
            processed=run.processed,
            created=run.created,
            updated=run.updated,
            unchanged=run.unchanged,
            deleted=run.deleted,
            requests=run.requests,
            pages=run.pages,
            started_at=run.started_at,
            finished_at=run.finished_at,
            duration_seconds=round(duration, 3),
            error=run.error,
            family_id=run.family_id,
            cursor_before=run.cursor_before,
            cursor_after=run.cursor_after,
        )

    @classmethod
    def skipped(cls, shop_id: int, trigger: SyncTrigger, reason: str, family_id: int | None = None) -> SyncResult:
        now = datetime.now(UTC)
        return cls(
            shop_id=shop_id,
            run_id=None,
            status=SKIPPED,
            trigger=trigger.value,
            started_at=now,
            finished_at=now,
            error=reason,
            family_id=family_id,
        )


def combine(results: Sequence[SyncResult]) -> SyncResult:
    """One result for a family synced from several shops: counts added, the worst status kept."""
    first = results[0]
    if len(results) == 1:
        return first
    order = [SyncRunStatus.FAILED.value, SyncRunStatus.CANCELLED.value, SKIPPED, SyncRunStatus.SUCCEEDED.value]
    status = min((r.status for r in results), key=lambda s: order.index(s) if s in order else 0)
    starts = [r.started_at for r in results if r.started_at]
    ends = [r.finished_at for r in results if r.finished_at]
    errors = [f"shop {r.shop_id}: {r.error}" for r in results if r.error]
    return SyncResult(
        shop_id=first.shop_id,
        run_id=first.run_id,
        status=status,
        trigger=first.trigger,
        processed=sum(r.processed for r in results),
        created=sum(r.created for r in results),
        updated=sum(r.updated for r in results),
        unchanged=sum(r.unchanged for r in results),
        deleted=sum(r.deleted for r in results),
        requests=sum(r.requests for r in results),
        pages=sum(r.pages for r in results),
        started_at=min(starts) if starts else None,
        finished_at=max(ends) if ends else None,
        duration_seconds=round(sum(r.duration_seconds for r in results), 3),
        error="; ".join(errors) or None,
        family_id=first.family_id,
        reconciled=any(r.reconciled for r in results),
    )


async def start_run(
    session: AsyncSession,
    *,
    shop_id: int,
    family_id: int | None,
    trigger: SyncTrigger,
    started_at: datetime,
    cursor_before: datetime | None,
) -> int:
    """Open the run's record under the shop's lease; returns its id. Runs of the shop still marked running belong
    to a process that died (whoever holds the lease now knows): they are closed as abandoned, in the same statement
    on PostgreSQL. A plain INSERT ... RETURNING built once: the ORM's unit of work, or building the statement each
    time, would cost milliseconds of CPU, paid by every idle shop in every cycle."""
    params = {"run_shop": shop_id, "run_family": family_id, "run_trigger": trigger.value, "run_started": started_at,
              "run_cursor": cursor_before}  # fmt: skip
    inserted = (await _START.execute(session, params)).scalar()
    assert inserted is not None
    return int(inserted)


async def record_whole_run(
    session: AsyncSession,
    lease: ShopLease,
    lease_values: dict[str, object],
    run: SyncResult,
    events: Sequence[LiveEvent],
) -> int:
    """Record a run that had no record yet (`run` as it ended; an unchanged shop's, see `ShopSync.prepare`), give
    the shop's lease back with `lease_values` (columns) stored and announce `events`; returns the run's id."""
    told = told_with(session, events)
    params = {
        "told": told,
        **lease.held,
        **lease_values,
        "run_shop": run.shop_id,
        "run_family": run.family_id,
        "run_trigger": run.trigger,
        "run_status": run.status,
        "run_started": run.started_at,
        "run_finished": run.finished_at,
        "run_error": run.error,
        "run_cursor": run.cursor_before,
        "run_cursor_after": run.cursor_after,
        **{f"run_{name}": getattr(run, name) for name in _COUNTS},
    }
    inserted = (await _recorded_whole(tuple(lease_values), bool(told)).execute(session, params)).scalar()
    assert inserted is not None
    return int(inserted)


async def record_progress(
    session: AsyncSession,
    run_id: int,
    counts: WriteCounts,
    *,
    requests: int,
    pages: int,
    cursor_after: datetime | None,
    status: SyncRunStatus | None = None,
    error: str | None = None,
) -> None:
    """Record the run's counters, and with `status` its end."""
    values: dict[str, object] = {
        "processed": counts.processed,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "deleted": counts.deleted,
        "requests": requests,
        "pages": pages,
        "cursor_after": cursor_after,
    }
    if status is not None:
        values.update(status=status.value, finished_at=datetime.now(UTC), error=error)
    await _PROGRESS.execute(session, {"run_id": run_id, **values})


async def latest_run(session: AsyncSession, *, family_id: int | None = None) -> SyncRun | None:
    """The newest run of any shop, or of the shops a family is linked to."""
    statement = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1)
    if family_id is not None:
        shops = select(FamilyShop.shop_id).where(FamilyShop.family_id == family_id)
        statement = statement.where(SyncRun.shop_id.in_(shops))
    return await session.scalar(statement)


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs the history shows; None leaves a criterion out. `family_id`: runs of the shops the family is
    linked to. Times bound the start, `since` inclusive, `until` exclusive."""

    shop_id: int | None = None
    family_id: int | None = None
    status: SyncRunStatus | None = None
    trigger: SyncTrigger | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_runs(
    session: AsyncSession, which: RunFilter, *, limit: int, offset: int = 0
) -> tuple[Sequence[SyncRun], int]:
    """A page of runs, newest first, and how many match in all."""
    conditions = []
    if which.shop_id is not None:
        conditions.append(SyncRun.shop_id == which.shop_id)
    if which.family_id is not None:
        linked = select(FamilyShop.shop_id).where(FamilyShop.family_id == which.family_id)
        conditions.append(SyncRun.shop_id.in_(linked))
    if which.status is not None:
        conditions.append(SyncRun.status == which.status.value)
    if which.trigger is not None:
        conditions.append(SyncRun.trigger == which.trigger.value)
    if which.since is not None:
        conditions.append(SyncRun.started_at >= which.since)
    if which.until is not None:
        conditions.append(SyncRun.started_at < which.until)
    page = (
        select(SyncRun)
        .where(*conditions)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(SyncRun).where(*conditions))
    return (await session.execute(page)).scalars().all(), int(total or 0)
