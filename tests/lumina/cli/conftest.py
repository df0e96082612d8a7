"""Run `lumina` commands in-process (typer's CliRunner) against a real SQLite file of their own.

Each command runs in a worker thread: the CLI starts its own event loop with asyncio.run, which must not touch the
test session's loop. Logging is configured by each command, so the root logger is restored afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from lumina.cli import app
from lumina.db import Database
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET
from tests.lumina.shops.servers import closed_port_url, not_a_shop_url

__all__ = ["Cli", "cli", "cli_database", "closed_port_url", "not_a_shop_url"]


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.database_path = tmp_path / "cli.db"
        self.env = {
            "DATABASE_URL": f"sqlite:///{self.database_path}",
            "DATA_DIR": str(tmp_path / "data"),
            "LUMINA_ENV": "test",
            "JWT_SECRET": TEST_JWT_SECRET,
            "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
            "ALLOW_PRIVATE_SHOP_URLS": "true",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "DEBUG",
            "SYNC_REQUESTS_PER_SECOND": "1000",  # no politeness delay towards the local test servers
        }
        self.runner = CliRunner()

    async def __call__(self, *args: str, input: str | None = None, **env: str) -> Result:
        return await asyncio.to_thread(
            self.runner.invoke, app, list(args), input=input, env={**self.env, **env}, catch_exceptions=False
        )


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Cli(tmp_path)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def cli_database(cli: Cli) -> AsyncIterator[Database]:
    """The CLI's database, for checking what the commands wrote (run a command first: it migrates)."""
    database = Database(f"sqlite+aiosqlite:///{cli.database_path}")
    yield database
    await database.dispose()
