"""`lumina db`: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lumina.cli._common import run_with_context

if TYPE_CHECKING:
    from lumina.context import ServiceContext

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (the service also does this at start-up)."""
    from lumina.db import migrate

    async def work(context: ServiceContext) -> None:
        await migrate.upgrade(context.database, revision)
        typer.echo(f"Database at revision {await migrate.current_revision(context.database)}.")

    run_with_context(work, migrate_first=False, create_database=True)


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base' to drop every table.")) -> None:
    """Take the schema back to an earlier revision."""
    from lumina.db import migrate

    async def work(context: ServiceContext) -> None:
        await migrate.downgrade(context.database, revision)
        typer.echo(f"Database at revision {await migrate.current_revision(context.database) or 'base'}.")

    run_with_context(work, migrate_first=False)


@app.command()
def current() -> None:
    """Show the schema revision of the database and the newest one known."""
    from lumina.db import migrate

    async def work(context: ServiceContext) -> None:
        typer.echo(f"current: {await migrate.current_revision(context.database) or 'none'}")
        typer.echo(f"head:    {migrate.head_revision()}")

    run_with_context(work, migrate_first=False)
