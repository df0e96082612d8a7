"""What every command needs: settings, logging, a service context, a transaction, and clean exits on errors.

Nothing here imports the service at module level: `lumina --help` and each command's `--help` must stay cheap, so
the service (SQLAlchemy, the models, the web layer) is loaded only by the command that runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lumina.config import Settings
    from lumina.context import ServiceContext

T = TypeVar("T")


def load() -> Settings:
    from lumina.config import Settings
    from lumina.logging import configure_logging

    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError: a malformed env variable
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    configure_logging(settings.log_level, settings.log_format)
    return settings


def run_with_context(work: Callable[[ServiceContext], Awaitable[T]], *, migrate_first: bool = True) -> T:
    """Run `work` with a migrated database, closing it afterwards; configuration errors exit with status 2."""
    from lumina.config import ConfigError
    from lumina.context import ServiceContext
    from lumina.db import migrate

    settings = load()
    try:
        context = ServiceContext.from_settings(settings)
    except ConfigError as exc:
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc

    async def runner() -> T:
        try:
            if migrate_first:
                await migrate.upgrade(context.database)
            return await work(context)
        finally:
            await context.close()

    return asyncio.run(runner())


def run_transaction(work: Callable[[AsyncSession, ServiceContext], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction; an AppError becomes a red message and exit status 1."""
    from lumina.auth.passwords import configure_password_hashing
    from lumina.errors import AppError

    async def unit(context: ServiceContext) -> T:
        configure_password_hashing(context.settings)  # the process' start-up choice, as lifecycle.start makes it
        async with context.database.transaction() as session:
            return await work(session, context)

    try:
        return run_with_context(unit)
    except AppError as exc:
        typer.secho(f"Error: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
