"""A user's role: what they may do within their family.

Kept apart from the ORM models so that the command line can offer the roles without loading SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"
