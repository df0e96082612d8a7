"""`lumina sync` (one cycle now, with a progress bar on a terminal) and `lumina cleanup` (retention now).

The sync engine is imported only when a command runs, so that `--help` does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lumina.cli._common import run_with_context

if TYPE_CHECKING:
    from lumina.context import ServiceContext


def sync(
    family: int | None = typer.Option(None, "--family", help="Sync only the shops of this family (id)."),
    days_back: int | None = typer.Option(
        None, "--days-back", min=1, max=3650, help="Make sure this many days are mirrored (default SYNC_DAYS_BACK)."
    ),
    reconcile: bool = typer.Option(
        False,
        "--reconcile",
        help="Also compare the whole window with the shop (catches edits that kept date_modified, and orders "
        "deleted for good); otherwise that happens when due (every few hours).",
    ),
) -> None:
    """Sync every shop (or one family's) once now, print a summary; exit 1 if a shop failed."""
    from lumina.cli.sync_cycle import run_sync

    code = run_with_context(lambda context: run_sync(context, family, days_back, reconcile), create_database=True)
    if code:
        raise typer.Exit(code)


def cleanup(
    days: int | None = typer.Option(
        None, "--days", min=1, help="Remove orders created more than this many days ago (default RETENTION_DAYS)."
    ),
) -> None:
    """Apply retention now: remove cached orders older than RETENTION_DAYS (a sync does not bring them back)."""
    from lumina.sync.retention import remove_expired_orders

    async def work(context: ServiceContext) -> int:
        retention = days if days is not None else context.settings.retention_days
        if retention <= 0:
            typer.echo("RETENTION_DAYS is 0: every order is kept.")
            return 0
        return await remove_expired_orders(context.database, retention)

    removed = run_with_context(work)
    typer.echo(f"Removed {removed} cached order row(s).")


def register(app: typer.Typer) -> None:
    """Add the sync commands to the main app."""
    app.command("sync")(sync)
    app.command("cleanup")(cleanup)
