"""A statement sent in one hand-off stores and reads what the session would, and fails as the session would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.db.handoff import HandOff
from lumina.models import ShopSyncState
from tests.factories import create_shop

_STATE = cast(Table, ShopSyncState.__table__)
_SET = update(_STATE).where(_STATE.c.shop_id == bindparam("shop"))
_READ = select(_STATE.c.shop_id, _STATE.c.cursor_modified, _STATE.c.cursor_ids, _STATE.c.pending_slices,
               _STATE.c.lock_owner).where(_STATE.c.shop_id == bindparam("shop"))  # fmt: skip
_STORED = text(
    "SELECT cursor_modified, CAST(cursor_ids AS TEXT), CAST(pending_slices AS TEXT), lock_owner"
    " FROM shop_sync_state WHERE shop_id = :shop"
)

VALUES: list[dict[str, Any]] = [
    {"cursor_modified": datetime(2026, 8, 11, 14, 40, 41, 123456, tzinfo=UTC), "cursor_ids": [3, 1, 2],
     "pending_slices": [{"at": "2026-08-11T14:40:41+00:00", "ids": []}], "lock_owner": "host:1"},
    {"cursor_modified": datetime(2026, 8, 11, 16, 40, tzinfo=timezone(timedelta(hours=2))), "cursor_ids": None,
     "pending_slices": None, "lock_owner": None},
]  # fmt: skip


async def _two_shops(context: ServiceContext) -> tuple[int, int]:
    async with context.database.transaction() as session:
        shops = [await create_shop(session, context.secret_box) for _ in range(2)]
        await session.execute(insert(_STATE), [{"shop_id": shop.id} for shop in shops])
    return shops[0].id, shops[1].id


@pytest.mark.parametrize("values", VALUES, ids=["values", "nulls and an offset"])
async def test_an_update_stores_what_the_session_stores(context: ServiceContext, values: dict[str, Any]) -> None:
    by_session, by_handoff = await _two_shops(context)
    database = context.database
    async with database.transaction() as session:
        await session.execute(_SET, {"shop": by_session, **values})
        changed = await HandOff(_SET).execute(session, {"shop": by_handoff, **values})
    assert changed == 1
    async with database.transaction() as session:
        stored = [(await session.execute(_STORED, {"shop": shop})).one() for shop in (by_session, by_handoff)]
        read = [(await session.execute(_READ, {"shop": shop})).one() for shop in (by_session, by_handoff)]
        handed = [await HandOff(_READ).rows(session, {"shop": shop}) for shop in (by_session, by_handoff)]
    assert stored[0] == stored[1]  # the same text in the database
    assert [tuple(rows[0]) for rows in handed] == [tuple(row) for row in read]  # and read back the same
    assert handed[1][0].cursor_modified == values["cursor_modified"]
    assert handed[1][0].cursor_modified.tzinfo == UTC


async def test_a_statement_that_changes_nothing_says_so(database: Database) -> None:
    async with database.transaction() as session:
        assert await HandOff(_SET).execute(session, {"shop": -1, "lock_owner": "nobody"}) == 0


async def test_a_failure_is_the_sessions_exception_and_names_no_value(context: ServiceContext) -> None:
    shop, _ = await _two_shops(context)
    with pytest.raises(IntegrityError) as failed:
        async with context.database.transaction() as session:
            await HandOff(insert(_STATE)).execute(session, {"shop_id": shop, "lock_owner": "someone-secret"})
    assert "someone-secret" not in str(failed.value)


async def test_a_missing_parameter_is_refused_as_the_session_refuses_it(database: Database) -> None:
    for send in (lambda session: session.execute(_SET, {"lock_owner": "x"}),
                 lambda session: HandOff(_SET).execute(session, {"lock_owner": "x"})):  # fmt: skip
        with pytest.raises(StatementError, match="A value is required for bind parameter 'shop'"):
            async with database.transaction() as session:
                await send(session)
