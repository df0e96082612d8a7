"""The service's ground floor: health, the error shape, money and time columns, migrations on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from lumina.db import Base, Database
from lumina.db.migrate import current_revision, downgrade, head_revision, upgrade
from lumina.db.types import UTCDateTime
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_family, create_order, create_shop, create_user


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_unknown_route_answers_404_in_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "Not Found"}


async def test_money_is_exact_and_times_come_back_as_utc(database: Database) -> None:
    box = SecretBox(TEST_ENCRYPTION_KEY)
    berlin = timezone(timedelta(hours=1))
    async with database.transaction() as session:
        family = await create_family(session)
        shop = await create_shop(session, box)
        for total in ("0.10", "0.20", "1234567.89"):
            await create_order(
                session, family, shop, total=Decimal(total), created=datetime(2026, 1, 1, 12, tzinfo=berlin)
            )
    async with database.transaction() as session:
        total = (await session.execute(select(func.sum(CachedOrder.total)))).scalar_one()
        order = (await session.execute(select(CachedOrder).limit(1))).scalar_one()
    assert total == Decimal("1234568.19")
    assert isinstance(order.total, Decimal)
    assert order.date_created == datetime(2026, 1, 1, 11, tzinfo=UTC)
    assert order.date_created.tzinfo is not None


async def test_migrations_go_down_and_up_again(database: Database) -> None:
    assert await current_revision(database) == head_revision()
    await downgrade(database, "base")
    assert await current_revision(database) is None
    await upgrade(database)
    assert await current_revision(database) == head_revision()


async def test_migrations_match_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
        )
    assert diff == []


def test_naive_datetimes_are_refused_by_utc_columns() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=None)  # type: ignore[arg-type]
    write = UTCDateTime().bind_processor(sqlite.dialect())
    assert write is not None
    with pytest.raises(ValueError, match="naive"):
        write(datetime(2026, 1, 1))


def test_sqlite_stores_utc_times_as_the_text_sqlalchemy_compares_them_by() -> None:
    """SQLite compares times as text: the one-step writer must store exactly what SQLAlchemy's DATETIME does."""
    dialect = sqlite.dialect()
    write, reference = UTCDateTime().bind_processor(dialect), sqlite.DATETIME().bind_processor(dialect)
    assert write is not None
    assert reference is not None
    for value in (
        datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 30, 5, 678, tzinfo=timezone(timedelta(hours=14))),
        datetime(1, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-1))),
    ):
        assert write(value) == reference(value.astimezone(UTC).replace(tzinfo=None))
    assert write(None) is None


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    body = (await client.get("/metrics")).text
    assert 'lumina_http_requests_total{method="GET",route="/healthz",status="200"}' in body


async def test_validation_errors_are_400_in_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["fields"]


async def test_openapi_documents_400_not_422_for_bad_input(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert '"422"' not in str(document).replace("'", '"')
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert login["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationErrorResponse"
    }
    assert "fields" in document["components"]["schemas"]["ValidationErrorResponse"]["properties"]


async def test_ids_of_deleted_families_and_users_are_never_handed_out_again(database: Database) -> None:
    """A still-valid token names a user id: the next account created must not inherit it."""
    async with database.transaction() as session:
        family = await create_family(session)
        user = await create_user(session, family)
        old_ids = (family.id, user.id)
        await session.delete(user)
        await session.delete(family)
    async with database.transaction() as session:
        family = await create_family(session)
        user = await create_user(session, family)
    assert family.id > old_ids[0]
    assert user.id > old_ids[1]
