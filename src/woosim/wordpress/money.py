"""Money as WooCommerce renders it: Decimal in, decimal strings out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
_QUANTA = {dp: Decimal(1).scaleb(-dp) for dp in range(9)}
CENT = _QUANTA[2]


def dec(value: str | int | Decimal | float) -> Decimal:
    """A Decimal from an API value; empty strings (WooCommerce's "no amount") count as zero."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if value == "":
        return ZERO
    return Decimal(value)


def fmt(value: Decimal | str | int, dp: int = 2) -> str:
    """wc_format_decimal with dp: rounded half away from zero, always `dp` decimals ("5.00")."""
    quantum = _QUANTA.get(dp) or Decimal(1).scaleb(-dp)
    number = value if type(value) is Decimal else dec(value)
    result = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if not result:
        result = abs(result)
    return f"{result:.{dp}f}"


def cents(value: Decimal) -> Decimal:
    """Rounded to the cent, half away from zero (WooCommerce rounds every line this way)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def trim(value: Decimal | str | int) -> str:
    """A decimal with trailing zeros removed, as coupon lines show discounts ("5", "12.5")."""
    d = dec(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def php_number(value: Decimal) -> int | float:
    """How PHP's numeric division prints in JSON: an int when the value is whole, else a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
