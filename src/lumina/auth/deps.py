"""Request dependencies: `CurrentUser` (any signed-in user) and `AdminUser` (403 for members) load the user row;
`CurrentPrincipal` and `AdminPrincipal` are their lean form for reads (see `lumina.auth.principal`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lumina.api.deps import ContextDep, SessionDep
from lumina.auth import service
from lumina.auth.principal import Principal, principals_of
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


async def current_principal(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    # The context straight from the app, not through ContextDep: that one is a plain function, run in a thread.
    return await principals_of(request.app.state.context).resolve(bearer_token(request))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def admin_principal(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("This needs an administrator")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
