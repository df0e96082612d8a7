"""Fixtures shared by the whole suite: a real database per backend, the app, an HTTP client over it.

Every test that takes `database` runs once on SQLite (a file) and once on PostgreSQL (a fresh database created for
this run on 127.0.0.1:5432); under pytest-xdist each worker has its own of both. With LUMINA_TEST_REQUIRE_POSTGRES=1
(CI) an unreachable PostgreSQL fails the run instead of skipping its half.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from lumina.app import create_app
from lumina.auth.passwords import configure_password_hashing
from lumina.config import Environment, Settings
from lumina.context import ServiceContext
from lumina.db import Base, Database
from lumina.db.migrate import upgrade
from lumina.kit.crypto import SecretBox

PG_SERVER = os.environ.get("LUMINA_TEST_PG_SERVER", "postgres@127.0.0.1:5432")
REQUIRE_POSTGRES = os.environ.get("LUMINA_TEST_REQUIRE_POSTGRES") == "1"
TEST_JWT_SECRET = "test-signing-secret-0123456789abcdef0123456789"
TEST_ENCRYPTION_KEY = "test-encryption-key-0123456789abcdef012345678"


@pytest.fixture(scope="session", autouse=True)
def _clean_environment() -> Iterator[None]:
    """A developer's own shop or database settings must not leak into the tests."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV", "SYNC_"))}
    for key in saved:
        del os.environ[key]
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """Argon2's test profile, chosen the supported way (LUMINA_ENV=test), so suites that create many users stay fast."""
    configure_password_hashing(Settings(_env_file=None, lumina_env=Environment.TEST))  # type: ignore[call-arg]


async def _create_pg_database() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # each pytest-xdist worker has its own databases
    name = f"lumina_test_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/test", timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {PG_SERVER} is not reachable: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        # A throwaway database need not wait for its commits to reach the disk (a crash would only lose the run).
        await connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await connection.close()
    return name


async def _drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/test", timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _migrated(url: str) -> Database:
    database = Database(url)
    await upgrade(database)
    return database


@pytest.fixture(scope="session")
async def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    database = await _migrated(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'lumina.db'}")
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def postgresql_database() -> AsyncIterator[Database]:
    name = await _create_pg_database()
    database = await _migrated(f"postgresql+asyncpg://{PG_SERVER}/{name}")
    yield database
    await database.dispose()
    await _drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database(request: pytest.FixtureRequest) -> Database:
    """The session's database of each backend, made and migrated once. Not a parametrized session fixture: pytest
    would tear that down and build it again whenever consecutive tests (a worker's next module) switch backends."""
    database: Database = request.getfixturevalue(f"{request.param}_database")
    return database


async def empty_all_tables(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with database.transaction() as session:
        if database.is_sqlite:
            for table in tables:
                await session.execute(text(f"DELETE FROM {table}"))
        else:
            await session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def database(migrated_database: Database) -> Database:
    """A migrated database, empty at the start of each test (on SQLite and on PostgreSQL)."""
    await empty_all_tables(migrated_database)
    return migrated_database


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "lumina_env": Environment.TEST,
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "jwt_secret": TEST_JWT_SECRET,
        "encryption_key": TEST_ENCRYPTION_KEY,
        "scheduler_enabled": False,
        "sync_on_startup": False,
        "allow_private_shop_urls": True,
        # A child process per app would slow the suite: the tests of the process engine ask for it.
        "sync_isolation": "thread",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return make_settings(tmp_path, database.url)


@pytest.fixture
def context(settings: Settings, database: Database) -> ServiceContext:
    return ServiceContext(
        settings=settings,
        database=database,
        secret_box=SecretBox(TEST_ENCRYPTION_KEY),
        jwt_secret=TEST_JWT_SECRET,
    )


@pytest.fixture
async def client(context: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client over the app in-process (ASGI); the app shares the test's database."""
    app = create_app(context=context)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lumina.test") as http:
        yield http
