"""Queries on users, refresh tokens and login throttles. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import LoginThrottle, RefreshToken, User, UserRole


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email.strip().lower()))
    return result.scalar_one_or_none()


async def list_users(session: AsyncSession, family_id: int | None = None) -> Sequence[User]:
    statement = select(User).order_by(User.id)
    if family_id is not None:
        statement = statement.where(User.family_id == family_id)
    return (await session.execute(statement)).scalars().all()


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """The database cascades to the user's refresh tokens."""
    await session.execute(delete(User).where(User.id == user_id))


async def count_active_admins(session: AsyncSession) -> int:
    statement = select(func.count()).select_from(User).where(User.role == UserRole.ADMIN, User.is_active.is_(True))
    return int((await session.execute(statement)).scalar_one())


# Refresh tokens -------------------------------------------------------------------------------------------------


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke_chain(session: AsyncSession, chain_id: str, now: datetime) -> int:
    return await _revoke_tokens(session, RefreshToken.chain_id == chain_id, now)


async def revoke_user_tokens(session: AsyncSession, user_id: int, now: datetime) -> int:
    return await _revoke_tokens(session, RefreshToken.user_id == user_id, now)


async def _revoke_tokens(session: AsyncSession, which: ColumnElement[bool], now: datetime) -> int:
    """Revoke the live tokens `which` selects; already revoked ones keep their first revocation time."""
    statement = update(RefreshToken).where(which, RefreshToken.revoked_at.is_(None)).values(revoked_at=now)
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_expired_tokens(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]


# Login throttles ------------------------------------------------------------------------------------------------


async def throttles(session: AsyncSession, keys: Sequence[str]) -> Sequence[LoginThrottle]:
    return (await session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))).scalars().all()


async def locked_throttle(session: AsyncSession, key: str, now: datetime) -> LoginThrottle:
    """The throttle row of `key`, created if absent, locked for update (PostgreSQL) so counts are not lost."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    statement = (
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def delete_stale_throttles(session: AsyncSession, window_started_before: datetime, now: datetime) -> int:
    statement = delete(LoginThrottle).where(
        LoginThrottle.window_started_at < window_started_before,
        (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now),
    )
    return int((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def clear_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
