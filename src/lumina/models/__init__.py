"""Every ORM model, imported here so that the metadata (and Alembic) sees all tables."""

from lumina.auth.roles import UserRole
from lumina.models.account import Family, LoginThrottle, RefreshToken, User
from lumina.models.audit import OrderStatusChange, StatusChangeOutcome
from lumina.models.events import EventTicket
from lumina.models.order import CachedOrder
from lumina.models.order_stats import FamilyOrderStats
from lumina.models.shop import FamilyShop, ShopConnection, ShopWebhook
from lumina.models.sync import ShopSyncState, SyncRun, SyncRunStatus, SyncTrigger

__all__ = [
    "CachedOrder",
    "EventTicket",
    "Family",
    "FamilyOrderStats",
    "FamilyShop",
    "LoginThrottle",
    "OrderStatusChange",
    "RefreshToken",
    "ShopConnection",
    "ShopSyncState",
    "ShopWebhook",
    "StatusChangeOutcome",
    "SyncRun",
    "SyncRunStatus",
    "SyncTrigger",
    "User",
    "UserRole",
]
