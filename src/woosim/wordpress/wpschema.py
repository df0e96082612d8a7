"""WordPress REST argument validation (rest_validate_value_from_schema), messages and codes included."""

from __future__ import annotations

import re
from typing import Any

from woosim.wordpress.errors import InvalidParamsError, WooError
from woosim.wordpress.phpquery import as_list
from woosim.wordpress.shoptime import is_rest_date

Problem = tuple[str, str, Any]  # (code, message, data)
_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+$")


def validate_args(args: dict[str, dict[str, Any]], values: dict[str, Any]) -> None:
    """WP_REST_Request::has_valid_params: required ones present, then each present one valid (all reported)."""
    missing = [name for name, spec in args.items() if spec.get("required") and name not in values]
    if missing:
        raise WooError(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): " + ", ".join(missing),
            {"status": 400, "params": missing},
        )
    problems: dict[str, Problem] = {}
    for name, spec in args.items():
        if name in values:
            problem = validate_value(values[name], spec, name)
            if problem is not None:
                problems[name] = problem
    if problems:
        raise InvalidParamsError(problems)


def validate_value(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        # rest_handle_multi_type_schema: the first type the value has decides how it is validated.
        for candidate in kind:
            check = _TYPE_CHECKS.get(candidate)
            if check is not None and check(value, {}, param) is None:
                return validate_value(value, {**schema, "type": candidate}, param)
        names = ",".join(kind)
        return ("rest_invalid_type", f"{param} is not of type {names}.", {"param": param})
    checker = _TYPE_CHECKS.get(kind) if isinstance(kind, str) else None
    if checker is not None:
        problem = checker(value, schema, param)
        if problem is not None:
            return problem
    enum = schema.get("enum")
    if enum and not _in_enum(value, enum, kind):
        if len(enum) == 1:
            return ("rest_not_in_enum", f"{param} is not {_show(enum[0])}.", None)
        return ("rest_not_in_enum", f"{param} is not one of {_sprintf_l([_show(v) for v in enum])}.", None)
    fmt = schema.get("format")
    if fmt and kind in (None, "string") and isinstance(value, str):
        if fmt == "date-time" and not is_rest_date(value):
            return ("rest_invalid_date", "Invalid date.", None)
        if fmt == "email" and not is_email(value):
            return ("rest_invalid_email", "Invalid email address.", None)
    return None


def _sprintf_l(items: list[str]) -> str:
    """wp_sprintf's %l: "a and b", "a, b, and c"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _in_enum(value: Any, enum: list[Any], kind: Any) -> bool:
    if kind == "integer" and is_integer(value):
        return int(float(str(value))) in enum
    return value in enum


def is_integer(value: Any) -> bool:
    """rest_is_integer: numeric and whole (so "5" and "5.0" pass, "abc" and true do not)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value == round(value)
    if isinstance(value, str) and _NUMERIC.match(value):
        number = float(value)
        return number == round(number)
    return False


def is_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in ("false", "true", "0", "1")
    if isinstance(value, int):
        return value in (0, 1)
    return False


def to_bool(value: Any) -> bool:
    """rest_sanitize_boolean."""
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "")
    return bool(value)


def is_email(value: str) -> bool:
    return len(value) >= 6 and _EMAIL.match(value) is not None


def _check_integer(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    if not is_integer(value):
        return ("rest_invalid_type", f"{param} is not of type integer.", {"param": param})
    return _bounds(float(str(value)) if not isinstance(value, int) else value, schema, param)


def _check_number(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric and not (isinstance(value, str) and _NUMERIC.match(value)):
        return ("rest_invalid_type", f"{param} is not of type number.", {"param": param})
    return _bounds(float(value), schema, param)


def _bounds(number: float, schema: dict[str, Any], param: str) -> Problem | None:
    low, high = _whole(schema.get("minimum")), _whole(schema.get("maximum"))
    if low is not None and high is not None:
        if number < low or number > high:
            return ("rest_out_of_bounds", f"{param} must be between {low} (inclusive) and {high} (inclusive)", None)
    elif low is not None and number < low:
        return ("rest_out_of_bounds", f"{param} must be greater than or equal to {low}", None)
    elif high is not None and number > high:
        return ("rest_out_of_bounds", f"{param} must be less than or equal to {high}", None)
    return None


def _whole(limit: Any) -> Any:
    if isinstance(limit, float) and limit.is_integer():
        return int(limit)
    return limit


def _check_boolean(value: Any, _schema: dict[str, Any], param: str) -> Problem | None:
    if not is_boolean(value):
        return ("rest_invalid_type", f"{param} is not of type boolean.", {"param": param})
    return None


def _check_string(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    if not isinstance(value, str):
        return ("rest_invalid_type", f"{param} is not of type string.", {"param": param})
    return None


def _check_array(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    if isinstance(value, str):
        items: list[Any] = as_list(value)
    elif isinstance(value, list):
        items = value
    elif isinstance(value, dict) and all(str(k).isdigit() for k in value):
        items = list(value.values())
    else:
        return ("rest_invalid_type", f"{param} is not of type array.", {"param": param})
    item_schema = schema.get("items")
    if isinstance(item_schema, dict):
        for index, item in enumerate(items):
            problem = validate_value(item, item_schema, f"{param}[{index}]")
            if problem is not None:
                return problem
    return None


def _check_object(value: Any, schema: dict[str, Any], param: str) -> Problem | None:
    if value in ("", []):
        value = {}
    if not isinstance(value, dict):
        return ("rest_invalid_type", f"{param} is not of type object.", {"param": param})
    properties = schema.get("properties", {})
    for name, sub_value in value.items():
        sub_schema = properties.get(name)
        if isinstance(sub_schema, dict):
            problem = validate_value(sub_value, sub_schema, f"{param}[{name}]")
            if problem is not None:
                return problem
    return None


def _check_null(value: Any, _schema: dict[str, Any], param: str) -> Problem | None:
    if value is not None and value != "":
        return ("rest_invalid_type", f"{param} is not of type null.", {"param": param})
    return None


_TYPE_CHECKS = {
    "integer": _check_integer,
    "number": _check_number,
    "boolean": _check_boolean,
    "string": _check_string,
    "array": _check_array,
    "object": _check_object,
    "null": _check_null,
}
