"""Queries on users, refresh tokens and login throttles. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, SQLColumnExpression, delete, exists, func, select, update
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
    statement = (
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_for_rotation(session: AsyncSession, token_id: int, now: datetime) -> bool:
    """Mark a refresh token rotated if it is still current; True for the one caller that did.

    One conditional UPDATE decides, on both databases: PostgreSQL re-checks the WHERE once a concurrent rotation
    commits, SQLite lets one writer at a time in and this statement is its transaction's first, so no caller acts on a
    stale read. A losing caller's later statements in its transaction see the winner's new token (to revoke it).
    """
    statement = (
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int((await session.execute(statement)).rowcount) == 1  # type: ignore[attr-defined]


def session_is_open(user_id: SQLColumnExpression[int] | int, session_id: SQLColumnExpression[str] | str) -> Exists:
    """A login (a chain of refresh tokens) is open while one of its tokens is unrevoked: rotation keeps it open,
    logout, a replayed token or a new password closes it."""
    return exists().where(
        RefreshToken.chain_id == session_id, RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )


async def is_session_open(session: AsyncSession, user_id: int, session_id: str) -> bool:
    return bool((await session.execute(select(session_is_open(user_id, session_id)))).scalar_one())


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
