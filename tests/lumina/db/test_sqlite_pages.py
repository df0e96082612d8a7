"""SQLite's page cache and checkpoints as the service's connections set them: a transaction of a sync's size is
written to the WAL once, when it commits, and the WAL stays bounded however much is written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.db import Database
from lumina.db.session import SQLITE_WAL_AUTOCHECKPOINT_PAGES

_ROW_BYTES = 3_000  # about an order's row
_PAGE_BYTES = 4_096


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


async def _database(tmp_path: Path) -> tuple[Database, Path]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'pages.db'}")
    async with database.transaction() as session:
        # A key in no order, as the list's total and customer name indexes get them.
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, k BLOB NOT NULL, body BLOB NOT NULL)"))
        await session.execute(text("CREATE INDEX ix_t_k ON t (k)"))
    return database, tmp_path / "pages.db-wal"


async def _write(database: Database, rows: int) -> None:
    async with database.transaction() as session:
        await _insert(session, rows)


async def _insert(session: AsyncSession, rows: int) -> None:
    await session.execute(
        text(
            # INSERT first: Python's sqlite3 opens the transaction only for a statement that starts with it.
            "INSERT INTO t (k, body) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)"
            " SELECT randomblob(16), randomblob(:size) FROM n"
        ),
        {"rows": rows, "size": _ROW_BYTES},
    )


async def test_a_transaction_of_several_megabytes_reaches_the_wal_only_when_it_commits(tmp_path: Path) -> None:
    database, wal = await _database(tmp_path)
    try:
        before = _size(wal)
        async with database.transaction() as session:
            await _insert(session, 2_000)  # 6 MB of rows, three times SQLite's default cache
            assert _size(wal) == before  # nothing spilled before the commit
        assert _size(wal) > before + 2_000 * _ROW_BYTES
    finally:
        await database.dispose()


async def test_the_wal_stays_bounded_by_its_checkpoints(tmp_path: Path) -> None:
    database, wal = await _database(tmp_path)
    rows = 1_000  # about 3 MB a transaction
    try:
        largest = 0
        for _ in range(SQLITE_WAL_AUTOCHECKPOINT_PAGES * _PAGE_BYTES // (rows * _ROW_BYTES) + 4):
            await _write(database, rows)
            largest = max(largest, _size(wal))
        one_transaction = 2 * rows * _ROW_BYTES  # its rows and their index entries, with room to spare
        assert largest <= SQLITE_WAL_AUTOCHECKPOINT_PAGES * (_PAGE_BYTES + 24) + one_transaction
        assert _size(tmp_path / "pages.db") > largest / 2  # checkpoints copied the pages back
    finally:
        await database.dispose()
