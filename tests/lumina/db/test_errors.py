"""A failed statement's message, which reaches logs and stored errors, names no value it was given."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lumina.db import Database


async def test_a_failed_statement_names_no_value(database: Database) -> None:
    value = "someone-else@example.com"
    with pytest.raises(DBAPIError) as failed:
        async with database.transaction() as session:
            await session.execute(text("SELECT :value FROM no_such_table"), {"value": value})
    assert "no_such_table" in str(failed.value)  # the statement's failure is still told
    assert value not in str(failed.value)
