"""Schema migrations, run from the CLI, at start-up and in tests, on a connection of the async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from lumina.db.session import Database
from lumina.queue.schema import ensure_schema

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Our tables to `revision`; at the head, on PostgreSQL, the task queue's schema too (`lumina.queue.schema`)."""
    await _with_connection(database, lambda config: command.upgrade(config, revision))
    if revision == "head":
        await ensure_schema(database)


async def downgrade(database: Database, revision: str) -> None:
    await _with_connection(database, lambda config: command.downgrade(config, revision))


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _with_connection(database: Database, action: object) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        action(config)  # type: ignore[operator]

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
