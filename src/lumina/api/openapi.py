"""The OpenAPI document as the service really answers: validation errors are 400 in the one error shape, and any
operation may answer 500 in it.

FastAPI documents a 422 with its own body on every route that takes input; our handler answers 400 with
`{"error", "message", "fields"}`, so the document is rewritten to say that. Every answer carries `X-Request-ID`
(lumina.api.access), so every documented response says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

SCHEMA_REF = "#/components/schemas/{model}"
REQUEST_ID_HEADER = {
    "description": "The request's id, as in the service's logs: the caller's own X-Request-ID when it is a plain "
    "token of up to 128 characters, a new one otherwise.",
    "schema": {"type": "string"},
}


class ErrorResponse(BaseModel):
    error: str = Field(description="The HTTP reason phrase.", examples=["Not Found"])
    message: str = Field(description="What went wrong, for a person.", examples=["Order not found."])


class FieldProblem(BaseModel):
    field: str = Field(description="The offending parameter or body field.", examples=["limit"])
    reason: str = Field(examples=["Input should be less than or equal to 200"])


class ValidationErrorResponse(ErrorResponse):
    fields: list[FieldProblem]


def _register(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=SCHEMA_REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _bad_request(reference: dict[str, str]) -> dict[str, Any]:
    return {
        "description": "A parameter or body value is invalid; `fields` says which and why.",
        "content": {"application/json": {"schema": reference}},
    }


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for fastapi_default in ("HTTPValidationError", "ValidationError"):
            schemas.pop(fastapi_default, None)
        reference = _register(schemas, ValidationErrorResponse)
        unexpected = {
            "description": "Something went wrong on our side; it has been logged.",
            "content": {"application/json": {"schema": _register(schemas, ErrorResponse)}},
        }
        document["components"].setdefault("headers", {})["X-Request-ID"] = REQUEST_ID_HEADER
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    documented = responses.setdefault("400", _bad_request(reference))
                    documented.setdefault("content", _bad_request(reference)["content"])
                responses.setdefault("500", unexpected)
                for response in responses.values():
                    response.setdefault("headers", {})["X-Request-ID"] = {"$ref": "#/components/headers/X-Request-ID"}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
