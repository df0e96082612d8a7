"""Request dependencies: `CurrentUser` (any signed-in user) and `AdminUser` (403 for members)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lumina.api.deps import ContextDep, SessionDep
from lumina.auth import service
from lumina.errors import ForbiddenError, UnauthorizedError
from lumina.models import User, UserRole

# Declared for the OpenAPI page's "Authorize" button; the header itself is read below, to word each refusal.
_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/login.")


def bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise UnauthorizedError("No token provided")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise UnauthorizedError("The Authorization header must be 'Bearer <access token>'")
    token = token.strip()
    if not token:
        raise UnauthorizedError("No token provided")
    return token


async def current_user(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    return await service.user_for_access_token(session, context, bearer_token(request))


CurrentUser = Annotated[User, Depends(current_user)]


async def admin_user(user: CurrentUser) -> User:
    if user.role is not UserRole.ADMIN:
        raise ForbiddenError("This needs an administrator")
    return user


AdminUser = Annotated[User, Depends(admin_user)]
