"""`lumina runs`: the history of sync runs, newest first, as the admin API shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lumina.cli._common import run_transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lumina.context import ServiceContext
    from lumina.sync.history import RunView


def describe_run(view: RunView) -> list[str]:
    run = view.run
    took = f"{view.duration_seconds:.1f} s" if view.duration_seconds is not None else "still running"
    family = f" family {run.family_id}" if run.family_id else ""
    lines = [
        f"Run {run.id}  shop {run.shop_id}{family}  {run.trigger:<8} {run.status:<9} "
        f"{run.started_at:%Y-%m-%d %H:%M:%S} UTC  {took}",
        f"    {run.requests} requests, {run.pages} pages; {run.processed} processed: {run.created} created, "
        f"{run.updated} updated, {run.unchanged} unchanged, {run.deleted} deleted",
    ]
    if view.error:
        lines.append(f"    Error: {view.error}")
    return lines


def runs(
    shop: int | None = typer.Option(None, "--shop", min=1, help="Only this shop's runs."),
    failed: bool = typer.Option(False, "--failed", help="Only failed runs."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many runs to show."),
) -> None:
    """Show sync runs, newest first: trigger, timings, requests, pages, counts and errors."""
    from lumina.models import SyncRunStatus
    from lumina.sync.history import history
    from lumina.sync.runs import RunFilter

    which = RunFilter(shop_id=shop, status=SyncRunStatus.FAILED if failed else None)

    async def work(session: AsyncSession, context: ServiceContext) -> list[str]:
        page = await history(session, context, which, limit=limit)
        lines = [line for view in page.runs for line in describe_run(view)]
        if not lines:
            return ["No runs match."]
        return [*lines, f"{len(page.runs)} of {page.total} run(s) shown."]

    for line in run_transaction(work):
        typer.echo(line)
