"""Column types that keep money exact and times in UTC on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 6
# The largest values of the integer columns, on both databases (SQLite's are wider).
MAX_INTEGER = 2**31 - 1  # INTEGER: Lumina's own ids
MAX_BIGINT = 2**63 - 1  # BIGINT: the shop's ids


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite has no time zones, so it stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = to_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | datetime | None] | None:
        """On SQLite, the text SQLAlchemy's DATETIME stores, written in one step: a sync writes six times per row,
        and the two processors in a row were a tenth of a page's write."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            return None if value is None else sqlite_text(value)

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    """An aware time in UTC, as `UTCDateTime` stores it; a naive one is refused."""
    if value.tzinfo is UTC:  # nearly always: no conversion to make
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime given for a UTC column")
    return value.astimezone(UTC)


def sqlite_text(value: datetime) -> str:
    """What `UTCDateTime` stores on SQLite: the naive UTC text of SQLAlchemy's DATETIME, microseconds included."""
    if value.tzinfo is UTC:  # nearly always: its text ends in "+00:00", cut off without a naive copy first
        return value.isoformat(" ", "microseconds")[:-6]
    return to_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_text_of_plain(text: str) -> str:
    """`sqlite_text` of a UTC time to the second written "YYYY-MM-DDTHH:MM:SS", made from that text: a tenth of
    formatting the datetime (1 µs, `isoformat` on an aware time)."""
    return f"{text[:10]} {text[11:]}.000000"


class Money(TypeDecorator[Decimal]):
    """A Decimal stored as an integer count of millionths.

    Integers keep sums and comparisons exact in SQL on both databases (SQLite's NUMERIC is a float).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(to_micros(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_micros(value)


def to_micros(value: Decimal) -> int:
    """The integer count of millionths `Money` stores; more decimal places are refused, not rounded."""
    scaled = value.scaleb(MONEY_SCALE)
    micros = int(scaled)
    if micros != scaled:
        raise ValueError(f"money value {value} has more than {MONEY_SCALE} decimal places")
    return micros


def from_micros(value: int | Decimal) -> Decimal:
    """A SQL SUM of Money columns comes back as a plain number: this turns it into money."""
    return Decimal(int(value)).scaleb(-MONEY_SCALE)
