"""One error model for the whole API: `{"error": <reason phrase>, "message": <detail>}` with the right status.

Domain code raises an `AppError` subclass; `lumina.api.errors` renders it. Kept free of the web framework, so that
the command line, which raises and prints these too, does not load it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


class BadRequestError(AppError):
    status_code = 400


class UnauthorizedError(AppError):
    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(AppError):
    status_code = 403


class NotFoundError(AppError):
    status_code = 404


class ConflictError(AppError):
    status_code = 409


class TooManyRequestsError(AppError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class BadGatewayError(AppError):
    """The shop answered, but not with success: its reason goes to the caller."""

    status_code = 502


class ServiceUnavailableError(AppError):
    status_code = 503


def error_body(status_code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": HTTPStatus(status_code).phrase, "message": message, **extra}
