"""The OpenAPI schema's error responses, in the service's one error shape, and query parameters documented from a
model that an endpoint validates itself."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from lumina.api.openapi import ErrorResponse, ValidationErrorResponse

_DESCRIPTIONS = {
    400: "A query or body value is invalid; `fields` says which and why.",
    401: "No valid bearer token.",
    403: "Only administrators may do this.",
    404: "No such order in the caller's family.",
    409: "A sync of this shop is already running.",
    502: "The shop refused or failed the request; `shop` carries its reason. Nothing was changed in Lumina.",
    503: "No usable shop connection (none is linked to the family, or it needs an administrator's attention), "
    "or the sync engine is not running.",
}


class ShopReason(BaseModel):
    status: int | None = Field(description="The shop's HTTP status, if it answered.")
    code: str | None = Field(description="WooCommerce's error code.", examples=["woocommerce_rest_cannot_edit"])
    message: str
    hint: str | None = None


class ShopErrorResponse(ErrorResponse):
    shop: ShopReason


_MODELS: dict[int, type[BaseModel]] = {400: ValidationErrorResponse, 502: ShopErrorResponse}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry of a route for these error statuses."""
    return {
        status: {"model": _MODELS.get(status, ErrorResponse), "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


def parameters_of(model: type[BaseModel], location: str) -> list[dict[str, Any]]:
    """The `parameters` of an operation that validates its query string or path (`location`) as `model` (by alias)
    itself, as FastAPI would document them one by one."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": location, "required": name in required, "schema": field_schema}
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        parameters.append(parameter)
    return parameters
