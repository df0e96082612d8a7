"""Request dependencies: `CurrentUser` (any signed-in user), `StaffUser` (an administrator of the operator or of a
family; 403 for members) and `AdminUser` (the operator's administrators only) load the user row; `CurrentPrincipal`
is their lean form for reads (see `lumina.auth.principal`)."""

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


NEEDS_ADMIN = "This needs an administrator"
STAFF = frozenset({UserRole.ADMIN, UserRole.FAMILY_ADMIN})


async def staff_user(user: CurrentUser) -> User:
    if user.role not in STAFF:
        raise ForbiddenError(NEEDS_ADMIN)
    return user


StaffUser = Annotated[User, Depends(staff_user)]


async def admin_user(user: CurrentUser) -> User:
    if user.role is UserRole.FAMILY_ADMIN:
        raise ForbiddenError("This needs an operator administrator: a family administrator manages its own family")
    if user.role is not UserRole.ADMIN:
        raise ForbiddenError(NEEDS_ADMIN)
    return user


AdminUser = Annotated[User, Depends(admin_user)]


class _PrincipalBearer(HTTPBearer):
    """The bearer scheme as the dependency that answers with the principal: documented like `_bearer` (same scheme
    name), in one dependency rather than two, as FastAPI spends some 10 µs per dependency per request (a sixth of
    a cached read)."""

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # the principal, not the header
        # The context straight from the app rather than through ContextDep: one dependency fewer per request.
        return await principals_of(request.app.state.context).resolve(bearer_token(request))


current_principal = _PrincipalBearer(scheme_name="HTTPBearer", auto_error=False, description=_bearer.model.description)
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
