"""Login, refresh-token rotation, logout, and the user behind an access token.

Some refusals change state that must survive the refusal (a counted failure, a chain revoked after token reuse):
they raise `Refused`, and the endpoint commits before answering with the error inside.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth import repository, throttle, tokens
from lumina.auth.passwords import hash_password, needs_rehash, verify_password
from lumina.auth.principal import GONE, SESSION_ENDED, forget_user
from lumina.auth.schemas import TokenPair, UserOut
from lumina.context import ServiceContext
from lumina.errors import AppError, UnauthorizedError
from lumina.logging import get_logger
from lumina.models import RefreshToken, User

logger = get_logger("lumina.auth")

BAD_CREDENTIALS = "Invalid email or password"


class Refused(Exception):  # noqa: N818 - a refusal, not a failure of ours
    """An answer of `error` whose bookkeeping must be committed first."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.message)
        self.error = error


def _now() -> datetime:
    return datetime.now(UTC)


async def _issue_pair(
    session: AsyncSession, context: ServiceContext, user: User, chain_id: str, now: datetime
) -> TokenPair:
    settings = context.settings
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access = tokens.issue_access_token(
        context.jwt_secret,
        user_id=user.id,
        family_id=user.family_id,
        role=user.role.value,
        session_id=chain_id,
        now=now,
        lifetime=lifetime,
    )
    refresh = tokens.new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            chain_id=chain_id,
            token_hash=tokens.hash_refresh_token(refresh),
            issued_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=int(lifetime.total_seconds()), user=UserOut.of(user)
    )


async def login(
    session: AsyncSession, context: ServiceContext, *, email: str, password: str, address: str
) -> TokenPair:
    now = _now()
    keys = throttle.ThrottleKeys.of(email, address)
    await throttle.ensure_allowed(session, keys, now)
    user = await repository.user_by_email(session, email)
    # Verified even for an unknown email (against a dummy hash) or a disabled account, and all three refused as a
    # wrong password is: neither the answer nor its timing tells which emails exist or which accounts are disabled.
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        await throttle.record_failure(session, context.settings, keys, now)
        logger.info("login failed", user_id=user.id if user else None, address=address, disabled=bool(user and valid))
        raise Refused(UnauthorizedError(BAD_CREDENTIALS))
    await throttle.record_success(session, keys)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    pair = await _issue_pair(session, context, user, tokens.new_chain_id(), now)
    logger.info("login succeeded", user_id=user.id, family_id=user.family_id)
    return pair


async def refresh(session: AsyncSession, context: ServiceContext, refresh_token: str) -> TokenPair:
    """A new pair for a current refresh token; the presented one is spent, by exactly one of concurrent callers."""
    now = _now()
    token_hash = tokens.hash_refresh_token(refresh_token)
    row = await repository.refresh_token_by_hash(session, token_hash)
    if row is None:
        raise UnauthorizedError("Refresh token is invalid")
    if row.revoked_at is None and row.rotated_at is None and row.expires_at <= now:
        raise UnauthorizedError("Refresh token has expired; log in again")
    if not await repository.claim_for_rotation(session, row.id, now):
        row = await repository.refresh_token_by_hash(session, token_hash)  # as the winner left it
        if row is None or row.revoked_at is not None:
            raise UnauthorizedError("Refresh token has been revoked; log in again")
        # Only a copy can be presented twice: end every session of this login, the thief's and the owner's.
        await _end_session(session, row)
        logger.warning("refresh token reuse detected", user_id=row.user_id)
        raise Refused(UnauthorizedError("Refresh token was already used; this login has been signed out for safety"))
    user = await repository.user_by_id(session, row.user_id)
    if user is None or not user.is_active:
        await _end_session(session, row)
        raise Refused(UnauthorizedError("This account no longer exists or is disabled"))
    return await _issue_pair(session, context, user, row.chain_id, now)


async def logout(session: AsyncSession, refresh_token: str) -> None:
    """End the login the token belongs to; an unknown or spent token is already as good as logged out."""
    row = await repository.refresh_token_by_hash(session, tokens.hash_refresh_token(refresh_token))
    if row is not None:
        await _end_session(session, row)
        logger.info("logout", user_id=row.user_id)


async def _end_session(session: AsyncSession, token: RefreshToken) -> None:
    """Revoke the login's refresh tokens; its access tokens stop at once in this process, within
    AUTH_USER_CACHE_SECONDS in the others (see `lumina.auth.principal`)."""
    await repository.revoke_chain(session, token.chain_id, _now())
    forget_user(session, token.user_id)


async def user_for_access_token(session: AsyncSession, context: ServiceContext, token: str) -> User:
    claims = tokens.decode_access_token(context.jwt_secret, token)
    user = await repository.user_by_id(session, claims.user_id)
    if user is None or not user.is_active:
        raise UnauthorizedError(GONE)
    if not await repository.is_session_open(session, user.id, claims.session_id):
        raise UnauthorizedError(SESSION_ENDED)
    return user


async def purge_expired(session: AsyncSession, context: ServiceContext) -> tuple[int, int]:
    """Housekeeping for a daily job: expired refresh tokens and throttle rows that no longer count.

    Returns (tokens deleted, throttle rows deleted).
    """
    now = _now()
    tokens_deleted = await repository.delete_expired_tokens(session, now)
    window = timedelta(seconds=context.settings.login_lockout_seconds)
    throttles_deleted = await repository.delete_stale_throttles(session, now - window, now)
    return tokens_deleted, throttles_deleted
