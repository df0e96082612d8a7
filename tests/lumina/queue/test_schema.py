"""procrastinate's schema: installed once by the upgrade, in a PostgreSQL schema of its own, and upgraded later by
the SQL migrations procrastinate ships for the versions in between."""

from __future__ import annotations

from sqlalchemy import text

from lumina.db import Database
from lumina.db.migrate import upgrade
from lumina.queue.schema import installed_version, pending_migrations


def test_an_upgrade_applies_the_migrations_after_the_recorded_version_up_to_the_installed_one() -> None:
    names = [path.name for path in pending_migrations("3.2.0", "3.4.0")]

    assert names == sorted(names)
    assert names[0].startswith("03.03.00_")
    assert names[-1].startswith("03.04.00_50_post")
    assert pending_migrations(installed_version(), installed_version()) == []


async def test_the_upgrade_installs_the_queue_beside_our_tables_once(database: Database) -> None:
    if database.is_sqlite:
        assert await _queue_tables(database) == 0
        return
    await upgrade(database)  # a second time: nothing to do

    async with database.transaction() as session:
        recorded = await session.scalar(text("SELECT version FROM procrastinate.lumina_schema_version"))
        rows = await session.scalar(text("SELECT count(*) FROM procrastinate.lumina_schema_version"))
    assert (recorded, rows) == (installed_version(), 1)
    assert await _queue_tables(database) >= 4


async def _queue_tables(database: Database) -> int:
    query = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'procrastinate%'"
    if not database.is_sqlite:
        query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'procrastinate' AND tablename LIKE 'procrastinate%'"
    async with database.transaction() as session:
        return int(await session.scalar(text(query)) or 0)
