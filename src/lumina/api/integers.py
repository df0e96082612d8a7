"""Integers as the API accepts them: written plainly, and within what the database column behind them stores.

Path and query values arrive as text, where pydantic's lax parsing would take " 3001" and "3001.0" for 3001: text
must be digits, with an optional minus sign. JSON bodies carry numbers: JSON Schema counts 157.0 as an integer, so an
integral number is taken, and a string, a fraction or a boolean is not. The bounds are the columns': a larger value
would fail in the database driver (a 500, or a dropped connection) instead of being refused with a 400.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from lumina.db.types import MAX_BIGINT, MAX_INTEGER

_DIGITS = re.compile(r"-?[0-9]+")


def _from_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    if not _DIGITS.fullmatch(value):
        raise PydanticCustomError("int_parsing", "Input should be a valid integer, written in plain digits")
    if len(value) > sys.get_int_max_str_digits():
        raise PydanticCustomError("int_parsing_size", "Input is too long to be a number")
    return int(value)


def _from_json_number(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The constraints come first, so that the documented schema is the plain one (`integer` with minimum and maximum);
# the conversion runs before them. Strict: nothing else becomes an int (no strings in bodies, no booleans).
FromText = BeforeValidator(_from_text)
FromJsonNumber = BeforeValidator(_from_json_number)

IdParam = Annotated[int, Field(strict=True, ge=1, le=MAX_INTEGER), FromText]
"""A Lumina id in a path or a query string."""
PageParam = Annotated[int, Field(strict=True, ge=0, le=MAX_INTEGER), FromText]
"""A count in a query string (limit, offset); an endpoint narrows its bounds with Query(ge=..., le=...)."""
IdField = Annotated[int, Field(strict=True, ge=1, le=MAX_INTEGER), FromJsonNumber]
"""A Lumina id in a JSON body."""
# `lt`, not `le`: FastAPI writes bounds into the document as floats, and 2^63 is one, 2^63 - 1 is not.
ShopIdField = Annotated[int, Field(strict=True, ge=1, lt=MAX_BIGINT + 1), FromJsonNumber]
"""A WooCommerce id (a customer's) in a JSON body."""
