"""What every command needs: settings, logging, a service context, a transaction, and clean exits on errors.

Nothing here imports the service at module level: `lumina --help` and each command's `--help` must stay cheap, so
the service (SQLAlchemy, the models, the web layer) is loaded only by the command that runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from lumina.config import ConfigError, Settings
    from lumina.context import ServiceContext

T = TypeVar("T")


def load() -> Settings:
    from pydantic import ValidationError

    from lumina.config import Settings, describe_invalid
    from lumina.logging import configure_logging

    try:
        settings = Settings()
    except ValidationError as exc:  # a malformed env variable
        typer.secho(f"Configuration error: {describe_invalid(exc)}", fg="red", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def fail(message: str) -> NoReturn:
    """A configuration mistake found by a command itself: one line naming the setting, exit status 2."""
    from lumina.config import ConfigError

    raise refuse(ConfigError(message))


def refuse(exc: ConfigError) -> typer.Exit:
    """Print a configuration problem as the one line it is; the caller raises the returned exit (status 2)."""
    from lumina.db.preflight import NoDatabaseError

    prefix = "" if isinstance(exc, NoDatabaseError) else "Configuration error: "
    typer.secho(f"{prefix}{exc}", fg="red", err=True)
    return typer.Exit(2)


def announce_created(path: Path, settings: Settings) -> None:
    """Say which database a command has just created, so that a run in the wrong folder does not go unnoticed."""
    why = "" if settings.database_url else " (DATABASE_URL is not set: this is its default; set it to use another)"
    typer.secho(f"Created a new database at {path}{why}.", fg="yellow", err=True)


def run_with_context(
    work: Callable[[ServiceContext], Awaitable[T]],
    *,
    migrate_first: bool = True,
    create_database: bool = False,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> T:
    """Run `work` with a migrated database, closing it afterwards; configuration errors exit with status 2.

    Only a command that writes (`create_database`) may create a missing SQLite database; one that only reads says
    there is none and how to point at one. `loop_factory`: another event loop than asyncio's (the worker's).
    """
    from lumina.config import ConfigError
    from lumina.context import ServiceContext
    from lumina.db import migrate
    from lumina.db.preflight import check_reachable, create_sqlite, sqlite_to_create

    settings = load()
    try:
        missing = sqlite_to_create(settings, create=create_database)
        context = ServiceContext.from_settings(settings)  # checks every setting before anything is created
    except ConfigError as exc:
        raise refuse(exc) from None
    if missing:
        announce_created(create_sqlite(missing), settings)

    async def runner() -> T:
        try:
            await check_reachable(context.database)
            if migrate_first:
                await migrate.upgrade(context.database)
            return await work(context)
        finally:
            await context.close()

    try:
        with asyncio.Runner(loop_factory=loop_factory) as loop:
            return loop.run(runner())
    except ConfigError as exc:  # found on the way: the database, the default shop's settings
        raise refuse(exc) from None


def run_transaction(
    work: Callable[[AsyncSession, ServiceContext], Awaitable[T]], *, create_database: bool = False
) -> T:
    """Run `work` in one committed transaction; an AppError becomes a red message and exit status 1."""
    from lumina.auth.passwords import configure_password_hashing
    from lumina.errors import AppError

    async def unit(context: ServiceContext) -> T:
        configure_password_hashing(context.settings)  # the process' start-up choice, as lifecycle.start makes it
        async with context.database.transaction() as session:
            return await work(session, context)

    try:
        return run_with_context(unit, create_database=create_database)
    except AppError as exc:
        typer.secho(f"Error: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
