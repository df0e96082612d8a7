"""Before a command or the service uses the database: find what is wrong with DATABASE_URL and say it in one line.

A SQLite file is created only by commands that write (the service, `lumina sync`, `... create`), and then 600 in a
700 folder; a command that only reads refuses to invent an empty database in whatever folder it was run from.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lumina.config import ConfigError, Settings
from lumina.db.session import Database
from lumina.kit.private_files import create_private_file, private_folder

CONNECT_TIMEOUT_SECONDS = 10.0
# PostgreSQL's SQLSTATEs a person can act on, and what to tell them.
_REFUSALS = {
    "3D000": "the database {database!r} does not exist on {server}: create it (createdb {database}) or fix the name",
    "28P01": "{server} refused the password of user {user!r}: fix the password in DATABASE_URL",
    "28000": "{server} refused user {user!r} for {database!r}: check the user name and the server's pg_hba.conf",
}


class NoDatabaseError(ConfigError):
    """A command that only reads found no database where DATABASE_URL points."""


def sqlite_file(url: str) -> Path | None:
    """The SQLite file an async database URL names; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def sqlite_to_create(settings: Settings, *, create: bool) -> Path | None:
    """The SQLite file this run must create (None when it exists, or the database is not SQLite); nothing is made yet.

    DATA_DIR is the service's own folder and may be made; any other folder must exist already. A run that may not
    `create` is refused with the reason and what to do.
    """
    path = sqlite_file(settings.async_database_url)
    if path is None or path.exists():
        return None
    folder = path.parent
    if not folder.is_dir() and folder.resolve() != settings.data_dir.resolve():
        raise ConfigError(
            f"DATABASE_URL: the folder {folder} for the SQLite file does not exist: create it, or point "
            "DATABASE_URL at a file in an existing folder."
        )
    if not create:
        raise _no_database(path)
    return path


def create_sqlite(path: Path) -> Path:
    """An empty SQLite file, 600 in a 700 folder whatever the umask (its -wal and -shm files take its mode)."""
    private_folder(path.parent)
    create_private_file(path)
    return path.resolve()


def _no_database(path: Path) -> NoDatabaseError:
    return NoDatabaseError(
        f"No database at {path.resolve()}: nothing to show. Point DATABASE_URL at the service's database, for "
        "example DATABASE_URL=sqlite:///data/lumina.db (or sqlite:///data/demo.db for the demo's), or run the "
        "command from the folder the service runs in."
    )


async def check_reachable(database: Database) -> None:
    """Connect once; a database that is missing, refuses us or does not answer becomes a ConfigError."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), database.engine.connect():
            pass
    except TimeoutError:
        raise ConfigError(
            f"DATABASE_URL: {_server(database.url)} did not answer within {CONNECT_TIMEOUT_SECONDS:g} s: check the "
            "host and port, and that the database server runs."
        ) from None
    except (DBAPIError, OSError) as exc:
        raise ConfigError(f"DATABASE_URL: {_explain(database.url, exc)}.") from None


async def probe(url: str) -> None:
    """`check_reachable` on a connection of its own, for a caller whose engine will live on another event loop."""
    database = Database(url)
    try:
        await check_reachable(database)
    finally:
        await database.dispose()


def _server(url: str) -> str:
    parsed = make_url(url)
    return f"the database server at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def _explain(url: str, exc: BaseException) -> str:
    parsed = make_url(url)
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in causes:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    server = _server(url)
    for cause in causes:
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state in _REFUSALS:
            return _REFUSALS[state].format(database=parsed.database, server=server, user=parsed.username)
        if isinstance(cause, socket.gaierror):
            return f"the host {parsed.host!r} does not resolve: fix the host name"
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return f"nothing answers at {server}: start the database server, or fix the host and port"
        if isinstance(cause, sqlite3.Error):
            return f"the SQLite file {parsed.database} cannot be opened ({cause})"
    return f"{server} cannot be used ({type(exc).__name__}): check the URL and the server"
