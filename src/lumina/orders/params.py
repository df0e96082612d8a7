"""What a caller may ask of the order list: the fixed sort columns, the statuses, the page bounds.

The sort column comes from this allow-list only and is mapped to a column object, never to SQL text.

The reads validate their parameters themselves, each set as one model in one call (`ListParams`, `OrderPath`),
after the caller is known: FastAPI's own validation, parameter by parameter, cost about as much as answering
from the cache. Refusals keep FastAPI's shape (`RequestValidationError`: the same 400 with `fields`), and the
parameters are documented from the same models (`openapi.parameters_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any, Final, Literal, TypeVar, get_args

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.orm import InstrumentedAttribute
from starlette.datastructures import QueryParams

from lumina.api.integers import FromText, IdParam
from lumina.models import CachedOrder

OrderStatus = Literal["pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"]
ORDER_STATUSES: Final[tuple[str, ...]] = get_args(OrderStatus)

OrderByColumn = Literal[
    "date_created", "date_modified", "total", "status", "customer_name", "woocommerce_order_id", "id"
]
ORDER_BY_COLUMNS: Final[tuple[str, ...]] = get_args(OrderByColumn)
SortDirection = Literal["asc", "desc"]

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_OFFSET: Final = 1_000_000  # deeper pages cost a scan of every order before them; filter instead
MAX_SEARCH: Final = 100
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 366

# Each sort ends in tie-breakers that make pages stable and that match an index's order, so the database can
# read a page in index order (SQLite appends the row id to every index).
SORT_KEYS: Final[dict[str, tuple[InstrumentedAttribute[object], ...]]] = {
    "date_created": (CachedOrder.date_created, CachedOrder.id),
    "date_modified": (CachedOrder.date_modified, CachedOrder.id),
    "total": (CachedOrder.total, CachedOrder.id),
    "status": (CachedOrder.status, CachedOrder.date_created, CachedOrder.id),
    "customer_name": (CachedOrder.customer_name, CachedOrder.id),
    "woocommerce_order_id": (CachedOrder.woocommerce_order_id, CachedOrder.id),
    "id": (CachedOrder.id,),
}

# WooCommerce's own reports count these as sales: paid, or being fulfilled, or done.
REVENUE_STATUSES: Final[tuple[str, ...]] = ("processing", "on-hold", "completed")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _stripped(value: object) -> object:
    """Blank is no search; NUL is refused (PostgreSQL cannot compare text holding it)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL")
        return value.strip() or None
    return value


class ListParams(BaseModel):
    """The list's query parameters, in the order their problems are reported."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str | None = Field(
        default=None,
        description=f"Only orders in this status; several comma-separated. One of: {', '.join(ORDER_STATUSES)}.",
    )
    limit: Annotated[
        int,
        Field(
            strict=True, ge=1, le=MAX_LIMIT, description=f"Page size: {DEFAULT_LIMIT} by default, at most {MAX_LIMIT}."
        ),
        FromText,
    ] = DEFAULT_LIMIT
    offset: Annotated[int, Field(strict=True, ge=0, le=MAX_OFFSET, description="Orders to skip."), FromText] = 0
    order_by: OrderByColumn = Field(default="date_created", alias="orderBy", description="Sort column.")
    order: Annotated[SortDirection, BeforeValidator(_lower)] = Field(
        default="desc", description="Sort direction (case does not matter)."
    )
    search: Annotated[str | None, Field(max_length=MAX_SEARCH), BeforeValidator(_stripped)] = Field(
        default=None,
        description="Only orders whose number, customer name or billing email contains this text (case does not "
        "matter; blank: no filter).",
    )


class DailyParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    days: Annotated[
        int,
        Field(
            strict=True,
            ge=1,
            le=MAX_DAYS,
            description=f"Days in the series, ending today (UTC): {DEFAULT_DAYS} by default, at most {MAX_DAYS}.",
        ),
        FromText,
    ] = DEFAULT_DAYS


class OrderPath(BaseModel):
    order_id: Annotated[IdParam, Field(description="Lumina's order id (`id` in the listing).")]


Params = TypeVar("Params", bound=BaseModel)


def _validated(model: type[Params], values: Mapping[str, Any], location: str) -> Params:
    """`values` as `model`, or the 400 FastAPI would give for them."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        errors = [{**error, "loc": (location, *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


@lru_cache(maxsize=1024)
def list_params(query_string: bytes) -> ListParams:
    """The list's parameters in a raw query string; the same few strings come again and again (refusals are not
    remembered: an exception leaves no entry)."""
    return _validated(ListParams, QueryParams(query_string), "query")


@lru_cache(maxsize=64)
def daily_params(query_string: bytes) -> DailyParams:
    return _validated(DailyParams, QueryParams(query_string), "query")


def order_id_of(request: Request) -> int:
    return _validated(OrderPath, request.path_params, "path").order_id
