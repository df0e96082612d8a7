"""The orders API's GET answers as the JSON bytes sent: read on a plain connection and kept in the read cache.

The bytes come from the response models' own serializers, as FastAPI renders them (pydantic's `dump_json`), so a
cached answer is byte for byte an uncached one. A listed page skips the models' validation: its rows are written
as plain dicts through a TypedDict with the same fields and serializers (`plain_shape`), which halves the cost of
turning 50 rows into JSON; the tests hold the two renderings equal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import GenericAlias
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.orders.read_cache import CacheKey, OrderReadCache, read_cache_of
from lumina.orders.repository import SUMMARY_COLUMNS
from lumina.orders.schemas import DailyStatsEnvelope, OrderEnvelope, OrderList, OrderSummary, StatsEnvelope
from lumina.orders.service import ListQuery, OrderReader

COMPONENT = "orders.reads"
T = TypeVar("T")


def plain_shape(model: type[BaseModel], **nested: Any) -> Any:
    """A TypedDict with `model`'s fields, in order, each with its serializer and other metadata; `nested` replaces
    the types of fields that hold other models."""
    fields = {
        name: Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        for name, field in model.model_fields.items()
    }
    return TypedDict(f"{model.__name__}Plain", {**fields, **nested})  # type: ignore[operator]


_SUMMARY_NAMES = tuple(column.key for column in SUMMARY_COLUMNS)
_LIST: TypeAdapter[Any] = TypeAdapter(plain_shape(OrderList, orders=GenericAlias(list, (plain_shape(OrderSummary),))))
_STATS = TypeAdapter(StatsEnvelope)
_ORDER = TypeAdapter(OrderEnvelope)
_DAILY = TypeAdapter(DailyStatsEnvelope)


class OrderReads:
    def __init__(self, database: Database, cache: OrderReadCache) -> None:
        self._database = database
        self.cache = cache

    async def list_json(self, family_id: int, query: ListQuery) -> bytes:
        async def read(reader: OrderReader) -> dict[str, Any]:
            page = await reader.list_page(query)
            return {"orders": [dict(zip(_SUMMARY_NAMES, row, strict=False)) for row in page.rows], "count": page.count}

        return await self.cache.fetch(CacheKey(family_id, "list", query), lambda: self._json(family_id, read, _LIST))

    async def stats_json(self, family_id: int) -> bytes:
        async def read(reader: OrderReader) -> StatsEnvelope:
            return StatsEnvelope(stats=await reader.stats())

        return await self.cache.fetch(CacheKey(family_id, "stats"), lambda: self._json(family_id, read, _STATS))

    async def daily_json(self, family_id: int, days: int) -> bytes:
        """Not cached: its key would have to carry the day, and a chart is read far less often than the list."""

        async def read(reader: OrderReader) -> DailyStatsEnvelope:
            return DailyStatsEnvelope(daily=await reader.daily(days))

        return await self._json(family_id, read, _DAILY)

    async def order_json(self, family_id: int, order_id: int) -> bytes:
        """Raises NotFoundError (never cached) when the family has no such visible order."""

        async def read(reader: OrderReader) -> OrderEnvelope:
            return OrderEnvelope(order=await reader.get_order(order_id))

        return await self.cache.fetch(
            CacheKey(family_id, "order", order_id), lambda: self._json(family_id, read, _ORDER)
        )

    async def _json(
        self, family_id: int, read: Callable[[OrderReader], Awaitable[T]], adapter: TypeAdapter[T]
    ) -> bytes:
        async with self._database.engine.connect() as connection:
            value = await read(OrderReader(connection, family_id))
        return adapter.dump_json(value, by_alias=True)


def reads_of(context: ServiceContext) -> OrderReads:
    reads: OrderReads | None = context.components.get(COMPONENT)
    if reads is None:
        reads = OrderReads(context.database, read_cache_of(context))
        context.components[COMPONENT] = reads
    return reads
