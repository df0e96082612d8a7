"""The handlers that render every error in the one shape of `lumina.errors`: an `AppError`, request validation
errors and bodies that cannot be parsed (400, with the fields and why), a method the path does not have (405,
`Allow` naming every one it has) and anything unexpected (500, with nothing internal in it)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from lumina.errors import AppError, error_body

logger = logging.getLogger("lumina.errors")


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "status") -> "status"; ("query", "limit") -> "limit"; the location kind is implied by the route.
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(exc: RequestValidationError) -> list[dict[str, str]]:
    return [{"field": _field_name(tuple(err["loc"])), "reason": str(err["msg"])} for err in exc.errors()]


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.status_code, exc.message, **exc.details), status_code=exc.status_code, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _invalid(validation_fields(exc))


def _invalid(fields: list[dict[str, str]]) -> JSONResponse:
    summary = "; ".join(f"{item['field']}: {item['reason']}" for item in fields)
    return JSONResponse(error_body(400, f"Invalid request: {summary}", fields=fields), status_code=400)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    if exc.status_code == 400:  # a body FastAPI could not parse: the same shape as any other invalid input
        return _invalid([{"field": "body", "reason": message}])
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code, headers=headers)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method the path answers to. Starlette names only those of the first route whose path matched, and
    a path has one route per method; so each method is tried against every route."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
    return JSONResponse(error_body(500, "Something went wrong on our side. It has been logged."), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
