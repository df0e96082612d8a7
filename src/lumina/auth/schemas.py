"""Request and response bodies of the auth API, in the seed's camelCase (`accessToken`, `familyId`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import EmailStr, Field

from lumina.api.integers import IdField
from lumina.api.schemas import CamelModel, RequestBody
from lumina.models import User, UserRole

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes anything; a cap stops megabyte "passwords" from costing CPU


class LoginRequest(RequestBody):
    # Not EmailStr: an address that fails validation must get the same 401 as a wrong one, not a 400.
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshRequest(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=200)


class UserOut(CamelModel):
    id: int
    email: str
    name: str
    role: UserRole
    family_id: int

    @classmethod
    def of(cls, user: User) -> Self:
        """The body's fields read from the row's attributes of the same names."""
        return cls.model_validate(user, from_attributes=True)


class TokenPair(CamelModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: UserOut


class MeResponse(CamelModel):
    user: UserOut


# The admin API's view of users ----------------------------------------------------------------------------------


class UserCreate(RequestBody):
    family_id: IdField
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: UserRole = UserRole.MEMBER


class UserUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: UserRole | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class UserDetail(UserOut):
    is_active: bool
    created_at: datetime


class UserEnvelope(CamelModel):
    user: UserDetail


class UserList(CamelModel):
    users: list[UserDetail]
    count: int
