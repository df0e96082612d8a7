"""What the maintained aggregate holds, and what it must hold: a fresh GROUP BY over the visible orders."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from lumina.db import Database

Groups = dict[tuple[int, str, str], tuple[int, int]]  # (family, status, currency) -> (count, net in millionths)

# Groups at 0 may stay as rows (the triggers never remove one): they hold nothing.
_KEPT = text(
    "SELECT family_id, status, currency, order_count, net FROM family_order_stats WHERE order_count <> 0 OR net <> 0"
)
_FRESH = text(
    "SELECT family_id, status, currency, count(*), sum(total - total_refunded) FROM cached_orders"
    " WHERE is_visible GROUP BY family_id, status, currency"
)


async def _groups(database: Database, statement: TextClause) -> Groups:
    async with database.engine.connect() as connection:
        rows = await connection.execute(statement)
        return {(family, status, currency): (int(count), int(net)) for family, status, currency, count, net in rows}


async def kept_groups(database: Database) -> Groups:
    return await _groups(database, _KEPT)


async def fresh_groups(database: Database) -> Groups:
    return await _groups(database, _FRESH)


async def assert_aggregate_exact(database: Database) -> Groups:
    """The aggregate equals the fresh GROUP BY; returns it."""
    kept, fresh = await kept_groups(database), await fresh_groups(database)
    assert kept == fresh
    return kept
