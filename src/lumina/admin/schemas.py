"""Bodies of the run history (`GET /admin/sync/runs`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from lumina.api.schemas import CamelModel
from lumina.sync.history import RunView

_DERIVED = frozenset({"duration_seconds", "error"})


class RunOut(CamelModel):
    id: int
    shop_id: int
    family_id: int | None = Field(description="The family whose sync started the run; null for a whole shop's.")
    trigger: str = Field(description="startup, schedule, manual, admin, cli or webhook.")
    status: str = Field(description="running, succeeded, failed or cancelled.")
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    requests: int = Field(description="Requests made to the shop.")
    pages: int = Field(description="Pages of orders read.")
    processed: int
    created: int
    updated: int
    unchanged: int
    deleted: int
    error: str | None = Field(description="Why the run failed, with credentials masked.")

    @classmethod
    def of(cls, view: RunView) -> RunOut:
        """The run's columns of the same names, with its duration and its error as the history shows it."""
        stored = {name: getattr(view.run, name) for name in cls.model_fields if name not in _DERIVED}
        return cls(**stored, duration_seconds=view.duration_seconds, error=view.error)


class RunList(CamelModel):
    runs: list[RunOut]
    count: int = Field(description="Runs on this page.")
    total: int = Field(description="Runs matching the filters in all.")
    limit: int
    offset: int
