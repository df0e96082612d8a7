"""procrastinate's tables, functions and types, kept in a PostgreSQL schema of their own (`procrastinate`).

A schema apart keeps them out of Alembic's view of our tables (autogenerate and `downgrade base` ignore them),
and procrastinate's connections find them through their `search_path`. `lumina db upgrade` (and every start-up)
calls `ensure_schema`: the first time it installs the whole schema of the installed procrastinate and records
its version; after procrastinate is upgraded, it applies the SQL migrations procrastinate ships for the versions
in between, in order. Idempotent, and serialised by an advisory lock when several processes start at once.
"""

from __future__ import annotations

import re
from importlib.metadata import version as package_version
from pathlib import Path

from procrastinate.schema import SchemaManager

from lumina.db import Database
from lumina.logging import get_logger

logger = get_logger("lumina.queue")

SCHEMA = "procrastinate"  # spelled out in the statements below
_VERSION_TABLE = "procrastinate.lumina_schema_version"
_LOCK_KEY = 0x6C756D71  # pg_advisory_xact_lock key of this upgrade ("lumq")
_VERSIONED = re.compile(r"^(\d+)\.(\d+)\.(\d+)_")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def installed_version() -> str:
    return package_version("procrastinate")


def pending_migrations(recorded: str, target: str) -> list[Path]:
    """procrastinate's migration files after `recorded` up to `target`, in the order they must run."""
    low, high = _version(recorded), _version(target)
    found = []
    for path in Path(SchemaManager.get_migrations_path()).glob("*.sql"):
        match = _VERSIONED.match(path.name)
        if match and low < tuple(int(part) for part in match.groups()) <= high:
            found.append(path)
    return sorted(found, key=lambda path: path.name)


async def ensure_schema(database: Database) -> None:
    """Install or upgrade procrastinate's schema (PostgreSQL only; a no-op on SQLite and when up to date)."""
    if database.is_sqlite:
        return
    target = installed_version()
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        async with driver.transaction():
            await driver.execute(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
            await driver.execute("CREATE SCHEMA IF NOT EXISTS procrastinate")
            await driver.execute(f"CREATE TABLE IF NOT EXISTS {_VERSION_TABLE} (version text NOT NULL)")
            recorded = await driver.fetchval("SELECT version FROM procrastinate.lumina_schema_version")
            if recorded == target:
                return
            await driver.execute("SET LOCAL search_path TO procrastinate")
            if recorded is None:
                await driver.execute(SchemaManager.get_schema())
                await driver.execute("INSERT INTO procrastinate.lumina_schema_version VALUES ($1)", target)
            else:
                for path in pending_migrations(recorded, target):
                    await driver.execute(path.read_text(encoding="utf-8"))
                await driver.execute("UPDATE procrastinate.lumina_schema_version SET version = $1", target)
    logger.info("task queue schema ready", procrastinate=target, previous=recorded)
