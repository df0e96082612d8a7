"""How money and times look in the API: decimal strings and ISO 8601 UTC with a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

_CENTS = Decimal("0.01")


def money_str(value: Decimal) -> str:
    """At least two decimal places, more only when the amount has them ("10.00", "0.125")."""
    cents = value.quantize(_CENTS)
    shown = cents if cents == value else value.normalize()
    return f"{shown:f}"


def iso_utc(value: datetime) -> str:
    """Whole seconds when the time has no fraction (WooCommerce's dates), milliseconds otherwise (JS-friendly)."""
    if value.tzinfo is not UTC:  # the columns give UTC already: skip the conversion, called for every time listed
        value = value.astimezone(UTC)
    text = value.isoformat(timespec="milliseconds") if value.microsecond else value.isoformat()
    return text[:-6] + "Z"  # "+00:00"
