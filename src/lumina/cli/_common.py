"""What every command needs: settings, logging, a service context, a transaction, and clean exits on errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth.passwords import configure_password_hashing
from lumina.config import ConfigError, Settings
from lumina.context import ServiceContext
from lumina.db import migrate
from lumina.errors import AppError
from lumina.logging import configure_logging

T = TypeVar("T")


def load() -> Settings:
    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError: a malformed env variable
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    configure_logging(settings.log_level, settings.log_format)
    return settings


def fail(message: str) -> NoReturn:
    """A configuration mistake: one line naming the setting, exit status 2."""
    typer.secho(f"Configuration error: {message}", fg="red", err=True)
    raise typer.Exit(2)


def run_with_context(work: Callable[[ServiceContext], Awaitable[T]], *, migrate_first: bool = True) -> T:
    """Run `work` with a migrated database, closing it afterwards; configuration errors exit with status 2."""
    settings = load()
    try:
        context = ServiceContext.from_settings(settings)
    except ConfigError as exc:
        fail(str(exc))

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

    async def unit(context: ServiceContext) -> T:
        configure_password_hashing(context.settings)  # the process' start-up choice, as lifecycle.start makes it
        async with context.database.transaction() as session:
            return await work(session, context)

    try:
        return run_with_context(unit)
    except AppError as exc:
        typer.secho(f"Error: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
