"""Login, refresh, logout, me."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from fastapi import APIRouter, Request, Response, status

from lumina.api.deps import ContextDep, SessionDep
from lumina.auth import service
from lumina.auth.deps import CurrentUser
from lumina.auth.schemas import LoginRequest, MeResponse, RefreshRequest, TokenPair, UserOut
from lumina.errors import AppError

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

T = TypeVar("T")

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid request body"},
    401: {"description": "Refused"},
}


async def _keeping_refusals(session: SessionDep, work: Awaitable[T]) -> T:
    """Commit what a refusal recorded (a counted failure, a revoked chain) before answering with it."""
    try:
        return await work
    except service.Refused as refused:
        await session.commit()
        error: AppError = refused.error
        raise error from None


@router.post(
    "/login",
    summary="Exchange email and password for an access and a refresh token",
    responses={**_ERRORS, 429: {"description": "Too many failed attempts; see Retry-After"}},
)
async def login(body: LoginRequest, request: Request, session: SessionDep, context: ContextDep) -> TokenPair:
    # The connecting address, or the client a trusted proxy names (uvicorn applies FORWARDED_ALLOW_IPS).
    address = request.client.host if request.client else "unknown"
    return await _keeping_refusals(
        session, service.login(session, context, email=body.email, password=body.password, address=address)
    )


@router.post("/refresh", summary="Exchange a refresh token for a new pair (the old one is spent)", responses=_ERRORS)
async def refresh(body: RefreshRequest, session: SessionDep, context: ContextDep) -> TokenPair:
    return await _keeping_refusals(session, service.refresh(session, context, body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the login a refresh token belongs to",
    responses={400: _ERRORS[400]},
)
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    await service.logout(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", summary="The signed-in user", responses={401: _ERRORS[401]})
async def me(user: CurrentUser) -> MeResponse:
    return MeResponse(user=UserOut.of(user))
