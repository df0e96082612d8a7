"""order json lz4

On PostgreSQL, each order's JSON (`cached_orders.raw_data`, about 3.5 KB from a shop) is compressed with lz4, not
the default pglz. PostgreSQL compresses a value that large before it stores it, and with pglz that was about half of
the server's work per order a backfill writes: 20,000 shop orders written as jsonb took 2.8 s with pglz, 1.3 s with
lz4 and 1.1 s uncompressed, on a loaded 2-core machine, for a fifth more space than pglz. Values written before keep
their compression; a server without lz4 (built without it, or before PostgreSQL 14) keeps pglz. SQLite stores text
and compresses nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which compression methods the server knows; no row before PostgreSQL 14, which has no per-column compression.
_METHODS = "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"


def _compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    methods = bind.execute(sa.text(_METHODS)).scalar()
    if methods and "lz4" in methods:
        op.execute(f"ALTER TABLE cached_orders ALTER COLUMN raw_data SET COMPRESSION {method}")


def upgrade() -> None:
    _compression("lz4")


def downgrade() -> None:
    _compression("default")
