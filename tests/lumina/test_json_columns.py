"""JSON columns keep what a shop sent, whichever encoder wrote it (orjson, or the standard library for what
orjson refuses)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_family, create_order, create_shop


async def _round_trip(database: Database, raw: dict[str, Any]) -> Any:
    async with database.transaction() as session:
        family = await create_family(session)
        shop = await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY))
        order = await create_order(session, family, shop, raw_data=raw)
    async with database.transaction() as session:
        return await session.scalar(select(CachedOrder.raw_data).where(CachedOrder.id == order.id))


async def test_an_order_document_reads_back_as_written(database: Database) -> None:
    raw = {"id": 7, "billing": {"first_name": "Zoë", "email": None}, "line_items": [{"price": 19.99}], "total": "9"}
    assert await _round_trip(database, raw) == raw


async def test_integer_keys_are_written_as_the_standard_library_writes_them(database: Database) -> None:
    assert await _round_trip(database, {"meta": {1: "one"}}) == {"meta": {"1": "one"}}


async def test_half_a_surrogate_pair_survives_on_sqlite(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("PostgreSQL's jsonb refuses an unpaired surrogate, whichever encoder wrote it")
    assert await _round_trip(database, {"note": "cut \ud83d"}) == {"note": "cut \ud83d"}
