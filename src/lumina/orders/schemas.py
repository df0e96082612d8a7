"""The JSON the orders API answers with: the seed's shapes, typed so that /docs shows every one of them.

Order fields keep the seed's snake_case column names; the sync endpoints keep the seed's camelCase.
Money is a decimal string, times are ISO 8601 UTC with a `Z`.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel

from lumina.api.integers import FromJsonNumber
from lumina.orders.formatting import iso_utc, money_str
from lumina.orders.params import OrderStatus

Money = Annotated[
    Decimal,
    PlainSerializer(money_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2,6}$", "examples": ["42.50"]}, mode="serialization"),
]
UTCTime = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-03-01T09:30:00Z"]}, mode="serialization"
    ),
]


class OrderSummary(BaseModel):
    """One order as listed; `id` is Lumina's id (use it in paths), `woocommerce_order_id` the shop's."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    woocommerce_order_id: int
    number: str = Field(description="The number the shop shows (may differ from its id when a plugin renumbers).")
    status: str
    currency: str = Field(description="ISO 4217 code, as the shop reports it.")
    total: Money
    total_refunded: Money = Field(description="Sum of the order's refunds, as a positive amount.")
    customer_name: str
    billing_email: str | None
    date_created: UTCTime
    date_modified: UTCTime
    date_paid: UTCTime | None
    date_completed: UTCTime | None
    synced_at: UTCTime = Field(description="When Lumina last wrote this order from the shop's answer.")
    shop_id: int


class OrderDetail(OrderSummary):
    raw_data: dict[str, Any] = Field(description="The order exactly as WooCommerce's REST API (v3) returned it.")


class OrderList(BaseModel):
    orders: list[OrderSummary]
    count: int = Field(description="How many orders match the filter (all pages together).")


class OrderEnvelope(BaseModel):
    order: OrderDetail


class StatusUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "completed"}]})

    status: OrderStatus = Field(description="The new status; the shop sends its customer emails for the change.")


class StatusUpdateResult(BaseModel):
    message: str = Field(examples=["Order status updated"])
    changed: bool = Field(description="False when the shop already had this status: nothing was sent to it.")
    order: OrderDetail


class OrderStats(BaseModel):
    total_orders: int
    pending: int
    processing: int
    on_hold: int
    completed: int
    cancelled: int
    refunded: int
    failed: int
    other: int = Field(description="Orders in statuses a shop plugin added.")
    total_revenue: Money = Field(
        description="Revenue in `currency`: totals minus refunds of processing, on-hold and completed orders "
        "(the orders WooCommerce's own reports count as paid). Other currencies are in `revenue_by_currency`."
    )
    currency: str | None = Field(description="The family's main currency (most orders); null with no orders.")
    revenue_by_currency: dict[str, Money] = Field(
        description="Revenue per currency, by the same rule as `total_revenue`.", examples=[{"USD": "120.00"}]
    )
    last_sync: UTCTime | None = Field(description="End of the family's last successful sync; null if never synced.")


class StatsEnvelope(BaseModel):
    stats: OrderStats


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class DayStats(CamelModel):
    date: dt.date = Field(description="The UTC calendar day.")
    orders: int = Field(description="Orders created that day, in any status.")
    revenue: Money = Field(description="Revenue of that day's orders in the window's main `currency`.")
    revenue_by_currency: dict[str, Money] = Field(examples=[{"USD": "120.00"}])


class DailyStats(CamelModel):
    days: int
    currency: str | None = Field(description="The window's main currency (most orders); null with no orders.")
    series: list[DayStats] = Field(description="One entry per day, oldest first, today (UTC) last; empty days at 0.")


class DailyStatsEnvelope(BaseModel):
    daily: DailyStats


class SyncRequest(CamelModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"daysBack": 30}]})

    days_back: Annotated[int, Field(strict=True, ge=1, le=365), FromJsonNumber] | None = Field(
        default=None, description="How many days of orders to fetch again (1 to 365)."
    )


class SyncRunResult(CamelModel):
    """One sync run as recorded."""

    run_id: int | None
    shop_id: int | None
    trigger: str = Field(
        examples=["manual"], description="What started it: startup, schedule, manual, admin, cli, webhook."
    )
    status: str = Field(examples=["succeeded"], description="running, succeeded, failed, cancelled, or skipped.")
    processed: int
    created: int
    updated: int
    unchanged: int
    deleted: int
    requests: int
    pages: int
    started_at: UTCTime | None
    finished_at: UTCTime | None
    duration_seconds: float
    error: str | None


class SyncRunList(CamelModel):
    runs: list[SyncRunResult]
    count: int = Field(description="Runs on this page.")
    total: int = Field(description="Runs of the family's shops in all.")
    limit: int
    offset: int


class SyncCompleted(CamelModel):
    message: str = Field(examples=["Sync completed"])
    processed: int
    created: int
    updated: int
    unchanged: int
    deleted: int
    duration_seconds: float
    last_run: SyncRunResult


class SyncAccepted(BaseModel):
    message: str = Field(examples=["Sync of all shops started"])


class SyncJobStatus(CamelModel):
    running: bool = Field(description="The background scheduler is running.")
    syncing: bool = Field(description="A sync of the caller's shop is in progress now.")
    interval_minutes: int
    next_run_at: UTCTime | None
    last_run: SyncRunResult | None = Field(description="The caller's family's last sync run; null if none yet.")


class SyncStatus(CamelModel):
    sync_job: SyncJobStatus
    woocommerce_configured: bool = Field(description="The caller's family is linked to a shop.")


class StatusChangeOut(CamelModel):
    """One status change asked through Lumina, and what the shop did with it."""

    user_id: int | None = Field(description="The Lumina user who asked (null once the account is removed).")
    user_name: str
    user_email: str
    from_status: str | None
    to_status: str
    outcome: str = Field(description="changed, unchanged (it already had the status), not_found, or refused.")
    reason: str | None = Field(description="Why the shop refused: its HTTP status, WooCommerce's code and a hint.")
    shop_note_id: int | None = Field(description="The order note naming the user, left in the shop on a change.")
    changed_at: datetime


class StatusChangeList(CamelModel):
    status_changes: list[StatusChangeOut]
    count: int
