"""Per-shop sync state (cursor, lease, backoff) and the record of every sync run."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import UTCDateTime
from lumina.models._columns import JSONType, utcnow


class SyncTrigger(StrEnum):
    STARTUP = "startup"
    SCHEDULE = "schedule"
    MANUAL = "manual"
    ADMIN = "admin"
    CLI = "cli"
    WEBHOOK = "webhook"


class SyncRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


# The runs left running, as a literal condition: a partial index serves only a query that states it as written.
RUNNING_ONLY = f"status = '{SyncRunStatus.RUNNING.value}'"


class ShopSyncState(Base):
    """Where a shop's incremental sync stands.

    The cursor is the GMT modification second up to which everything is mirrored, plus the ids already taken at that
    second: the next scan restarts at that second (filters are exclusive) and drops those ids. A backfill scanned in
    parallel keeps the time slices it has not finished in `pending_slices` (each with its own such position), so a
    crash resumes every slice where it stood. `routes` remembers which families (and customer scopes) the mirrored
    orders were routed to: a new link or a changed scope needs the window scanned again. The lease fields make the
    sync of one shop exclusive across processes sharing the database.
    """

    __tablename__ = "shop_sync_state"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"), primary_key=True)
    cursor_modified: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    pending_slices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    routes: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    scan_key: Mapped[str | None] = mapped_column(String(64))
    backfill_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # The shop's count of the sync window the last time the cache's count agreed with it
    # (see `ShopSync._counts_disagree_in_window`).
    agreed_count: Mapped[int | None] = mapped_column(Integer)
    lock_owner: Mapped[str | None] = mapped_column(String(128))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_shop_started", "shop_id", "started_at"),
        # Migration 0006, for the run history: newest first, of every shop or of one status.
        Index("ix_sync_runs_started", "started_at", "id"),
        Index("ix_sync_runs_status_started", "status", "started_at", "id"),
        # Migration 0009: the runs left running, which every run's start closes (`lumina.sync.runs.start_run`),
        # found without reading the shop's history (48 runs a day).
        Index("ix_sync_runs_running", "shop_id", postgresql_where=text(RUNNING_ONLY), sqlite_where=text(RUNNING_ONLY)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop_connections.id", ondelete="CASCADE"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=SyncRunStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requests: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    cursor_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
