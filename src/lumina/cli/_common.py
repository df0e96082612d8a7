"""What every command needs: settings, logging, a service context, and a clean exit on bad configuration."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from lumina.config import ConfigError, Settings
from lumina.context import ServiceContext
from lumina.db import migrate
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


def run_with_context(work: Callable[[ServiceContext], Awaitable[T]], *, migrate_first: bool = True) -> T:
    """Run `work` with a migrated database, closing it afterwards; configuration errors exit with status 2."""
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
