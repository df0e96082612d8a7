"""Database access: the declarative base, column types and the engine/session factory."""

from lumina.db.base import Base
from lumina.db.session import Database

__all__ = ["Base", "Database"]
