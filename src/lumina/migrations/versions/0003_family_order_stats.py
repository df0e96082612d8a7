"""family order stats

A maintained aggregate for the orders API's statistics: per family, status and currency, the number of visible
orders and their net (total minus refunds, in integer millionths like `Money`). Reading it costs a handful of rows
however many orders a family has; the GROUP BY it replaces read every one of them (12.7 ms p99 at 100,000).

Database triggers on `cached_orders` keep it exact, so that no write path can forget it: the sync's upserts and
tombstones, the status write-back, retention, unlinking a shop, the cascades of a deleted family or shop, manual
SQL. They only add and subtract: a count that falls to 0 keeps its row (the read skips it), so that removing
orders never inserts (a family being deleted has no row to insert for) and concurrent writers never race a
removed row's re-insertion. There is at most one row per family, status and currency ever seen.

- SQLite: row triggers; an update subtracts the old row's part and adds the new row's, and only fires when the
  part changed (a sync rewriting an order's other fields costs nothing).
- PostgreSQL: statement triggers over transition tables: one aggregate pass per write statement, whatever its
  rows, writing only the keys whose sums changed, after one lock per family taken in family order (see
  `_lock_families`), so that concurrent writers of one family queue instead of deadlocking.

The covering index 0002 made for the GROUP BY goes: one index fewer for every sync write.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

# ruff: noqa: S608  (the SQL is assembled from this module's own constants only)

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATS_INDEX = "ix_cached_orders_family_stats"
_STATS_INDEX_COLUMNS = ["family_id", "is_visible", "status", "currency", "total", "total_refunded"]
_KEY = "family_id, status, currency"

# The aggregate of the rows there are: what the upgrade starts from (and a bulk load, with the triggers off).
FILL = (
    f"INSERT INTO family_order_stats ({_KEY}, order_count, net)"
    f" SELECT {_KEY}, count(*), sum(total - total_refunded) FROM cached_orders WHERE is_visible GROUP BY {_KEY}"
)

# SQLite ------------------------------------------------------------------------------------------------------------

_SQLITE_ADD = f"""INSERT INTO family_order_stats ({_KEY}, order_count, net)
    VALUES (NEW.family_id, NEW.status, NEW.currency, 1, NEW.total - NEW.total_refunded)
    ON CONFLICT ({_KEY}) DO UPDATE SET order_count = order_count + 1, net = net + excluded.net;"""
_SQLITE_SUBTRACT = """UPDATE family_order_stats
    SET order_count = order_count - 1, net = net - (OLD.total - OLD.total_refunded)
    WHERE family_id = OLD.family_id AND status = OLD.status AND currency = OLD.currency;"""
# An update that leaves the row's part as it was (most sync rewrites) changes nothing.
_SQLITE_PART_CHANGED = " OR ".join(
    f"OLD.{column} IS NOT NEW.{column}"
    for column in ("is_visible", "family_id", "status", "currency", "total", "total_refunded")
)
_SQLITE_TRIGGERS = {
    "family_order_stats_insert": ("AFTER INSERT", "NEW.is_visible", _SQLITE_ADD),
    "family_order_stats_delete": ("AFTER DELETE", "OLD.is_visible", _SQLITE_SUBTRACT),
    "family_order_stats_update_old": ("AFTER UPDATE", f"OLD.is_visible AND ({_SQLITE_PART_CHANGED})", _SQLITE_SUBTRACT),
    "family_order_stats_update_new": ("AFTER UPDATE", f"NEW.is_visible AND ({_SQLITE_PART_CHANGED})", _SQLITE_ADD),
}


def _sqlite_create() -> list[str]:
    return [
        f"CREATE TRIGGER {name} {event} ON cached_orders FOR EACH ROW WHEN {when}\nBEGIN\n    {body}\nEND"
        for name, (event, when, body) in _SQLITE_TRIGGERS.items()
    ]


def _sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER {name}" for name in _SQLITE_TRIGGERS]


# PostgreSQL --------------------------------------------------------------------------------------------------------


def _part(rows: str, sign: str = "") -> str:
    """Each visible row's signed part of the aggregate, from a transition table."""
    return f"SELECT {_KEY}, {sign}1 AS n, {sign}(total - total_refunded) AS net FROM {rows} WHERE is_visible"


def _delta(*parts: str) -> str:
    """The parts summed per key; keys whose sums did not change are left out (most updates change none)."""
    return (
        f"SELECT {_KEY}, sum(n) AS n, sum(net) AS net FROM ({' UNION ALL '.join(parts)}) AS parts"
        f" GROUP BY {_KEY} HAVING sum(n) <> 0 OR sum(net) <> 0"
    )


def _lock_families(delta: str) -> str:
    """One transaction lock per family whose aggregate changes, in family order, before any aggregate row.

    Writers of one family queue on it at their first statement, instead of on aggregate rows taken statement by
    statement: a transaction that writes in several statements (a page upserted in chunks, manual SQL) would
    otherwise hold the groups of its first while waiting for another's, which waits for them. No order of rows
    within a statement could prevent that.
    """
    return (
        "PERFORM pg_advisory_xact_lock('family_order_stats'::regclass::oid::integer, family_id)"
        f" FROM (SELECT DISTINCT family_id FROM ({delta}) AS delta ORDER BY family_id) AS families;"
    )


def _add(delta: str) -> str:
    return f"""{_lock_families(delta)}
    INSERT INTO family_order_stats AS s ({_KEY}, order_count, net) {delta}
        ON CONFLICT ({_KEY}) DO UPDATE
        SET order_count = s.order_count + excluded.order_count, net = s.net + excluded.net;"""


def _subtract(delta: str) -> str:
    """Removing rows only updates: the cascade of a deleted family may have removed its aggregate rows already,
    and must not see them inserted again."""
    return f"""{_lock_families(delta)}
    UPDATE family_order_stats AS s SET order_count = s.order_count + delta.n, net = s.net + delta.net
        FROM ({delta}) AS delta
        WHERE s.family_id = delta.family_id AND s.status = delta.status AND s.currency = delta.currency;"""


# (trigger and function name, event, transition tables, function body)
_POSTGRESQL_TRIGGERS = [
    ("family_order_stats_insert", "INSERT", "NEW TABLE AS new_rows", _add(_delta(_part("new_rows")))),
    (
        "family_order_stats_update",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _add(_delta(_part("new_rows"), _part("old_rows", "-"))),
    ),
    ("family_order_stats_delete", "DELETE", "OLD TABLE AS old_rows", _subtract(_delta(_part("old_rows", "-")))),
    # TRUNCATE fires no row events; it waits for every writer and empties the table, so the aggregate empties too.
    ("family_order_stats_truncate", "TRUNCATE", "", "DELETE FROM family_order_stats;"),
]


def _postgresql_create() -> list[str]:
    statements = []
    for name, event, tables, body in _POSTGRESQL_TRIGGERS:
        statements.append(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {body}\n    RETURN NULL;\nEND\n$$"
        )
        referencing = f" REFERENCING {tables}" if tables else ""
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON cached_orders{referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return statements


def _postgresql_drop() -> list[str]:
    statements = []
    for name, *_ in _POSTGRESQL_TRIGGERS:
        statements += [f"DROP TRIGGER {name} ON cached_orders", f"DROP FUNCTION {name}()"]
    return statements


def _create_triggers(dialect: str) -> list[str]:
    return _postgresql_create() if dialect == "postgresql" else _sqlite_create()


def _drop_triggers(dialect: str) -> list[str]:
    return _postgresql_drop() if dialect == "postgresql" else _sqlite_drop()


# Migration ---------------------------------------------------------------------------------------------------------


def upgrade() -> None:
    op.create_table(
        "family_order_stats",
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_family_order_stats_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("family_id", "status", "currency", name=op.f("pk_family_order_stats")),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in _create_triggers(dialect):
        op.execute(statement)
    op.execute(FILL)  # before the index goes: an index-only scan
    op.drop_index(_STATS_INDEX, table_name="cached_orders")


def downgrade() -> None:
    op.create_index(_STATS_INDEX, "cached_orders", _STATS_INDEX_COLUMNS, unique=False)
    for statement in _drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("family_order_stats")
