"""Lenient readers for WooCommerce's JSON values: strings for money, naive UTC strings for `*_gmt` dates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

__all__ = ["LARGEST_AMOUNT", "ResponseShapeError", "as_decimal", "as_int", "as_utc", "http_date", "plain_utc_text"]

# The largest amount a mirror holds: millionths in a signed 64-bit integer (`lumina.db.types.Money`). Beyond it an
# order would fail its page at the database, with the statement's text for a message.
LARGEST_AMOUNT = Decimal(2**63 - 1).scaleb(-6)


class ResponseShapeError(ValueError):
    """A value in a 2xx response is not what WooCommerce sends; the caller turns it into a WooError."""


def as_decimal(value: object, name: str) -> Decimal:
    """Money arrives as a decimal string ("40.44"), sometimes a JSON number; "" and null mean zero."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ResponseShapeError(f"{name} is not an amount: {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ResponseShapeError(f"{name} is not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ResponseShapeError(f"{name} is not an amount: {value!r}")
    if abs(amount) > LARGEST_AMOUNT:
        raise ResponseShapeError(f"{name} is beyond the largest amount the mirror holds: {value!r}")
    return amount


def as_int(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ResponseShapeError(f"{name} is not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ResponseShapeError(f"{name} is not an integer: {value!r}")


def as_utc(value: object, name: str) -> datetime | None:
    """A `*_gmt` field ("2026-08-11T14:40:41", no offset, UTC) as an aware datetime; null stays None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ResponseShapeError(f"{name} is not a date: {value!r}")
    text = value.replace(" ", "T")
    # A time of day with no offset (WooCommerce's own form) read as UTC in one parse: a sixth of a naive parse and
    # `replace(tzinfo=UTC)`'s cost, paid for four dates of every order. One with an offset fails this and is read
    # below; a date without a time of day would read "+00:00" as its time, and is left to `replace`.
    if len(text) > 10:
        try:
            return datetime.fromisoformat(f"{text}+00:00")
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ResponseShapeError(f"{name} is not a date: {value!r}") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return parsed.replace(tzinfo=UTC)


def plain_utc_text(value: object) -> str | None:
    """A `*_gmt` value in WooCommerce's own form ("2026-08-11T14:40:41": UTC, to the second, no offset) as it is;
    None for any other form. Read with `as_utc` first: only a value it took is checked here."""
    if not isinstance(value, str) or len(value) != 19:
        return None
    return value if value[10] == "T" and value[4] == value[7] == "-" and value[13] == value[16] == ":" else None


def http_date(value: str | None) -> datetime | None:
    """The `Date` response header (the shop's clock) as aware UTC, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
