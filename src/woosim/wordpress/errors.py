"""The error a WordPress REST handler returns: one class, rendered the way WP_Error is rendered."""

from __future__ import annotations

from typing import Any


class WooError(Exception):
    """A WP_Error: HTTP status, machine code, human message and optional data.

    `data` is what WordPress puts under "data"; by default `{"status": status}`. A few real errors carry a
    bare number there (a refund larger than the order answers `"data": 500`), so any JSON value is allowed.
    """

    def __init__(self, status: int, code: str, message: str, data: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.data: Any = {"status": status} if data is None else data

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class InvalidParamsError(WooError):
    """`rest_invalid_param`: one or more request parameters failed schema validation."""

    def __init__(self, problems: dict[str, tuple[str, str, Any]]) -> None:
        params = {name: message for name, (_code, message, _data) in problems.items()}
        details = {
            name: {"code": code, "message": message, "data": data} for name, (code, message, data) in problems.items()
        }
        super().__init__(
            400,
            "rest_invalid_param",
            "Invalid parameter(s): " + ", ".join(problems),
            {"status": 400, "params": params, "details": details},
        )


def no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")
