"""A user's role: what they may do within their family.

Kept apart from the ORM models so that the command line can offer the roles without loading SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """`admin` is the operator's: every family and shop. `family_admin` manages its own family's users and shop
    links, and sees nothing of other families."""

    MEMBER = "member"
    FAMILY_ADMIN = "family_admin"
    ADMIN = "admin"
