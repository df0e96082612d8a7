"""User accounts as operators manage them: create, list, change, delete.

The rules that keep an installation manageable: emails are unique whatever their case, passwords have a minimum
length, and the last active administrator cannot be demoted, disabled or deleted. Disabling a user or changing
their password ends their sessions: their refresh tokens and the access tokens issued with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth import repository
from lumina.auth.passwords import hash_password
from lumina.auth.principal import forget_user
from lumina.auth.schemas import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from lumina.errors import BadRequestError, ConflictError, NotFoundError
from lumina.families.service import get_family
from lumina.kit.text import clean_name
from lumina.logging import get_logger
from lumina.models import User, UserRole

logger = get_logger("lumina.users")


@dataclass(frozen=True, slots=True)
class UserChanges:
    """Fields to change; None leaves a field as it is."""

    name: str | None = None
    role: UserRole | None = None
    is_active: bool | None = None
    password: str | None = None


def normalize_email(email: str) -> str:
    """Lower-cased and syntax-checked (no DNS lookup: a home server may be offline)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise BadRequestError(f"Invalid email address: {exc}") from exc


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequestError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequestError(f"A password has at most {MAX_PASSWORD_LENGTH} characters")
    return password


async def create_user(
    session: AsyncSession, *, family_id: int, email: str, name: str, password: str, role: UserRole = UserRole.MEMBER
) -> User:
    email = normalize_email(email)
    await get_family(session, family_id)
    if await repository.user_by_email(session, email) is not None:
        raise ConflictError(f"A user with the email {email} already exists")
    user = User(
        family_id=family_id,
        email=email,
        name=clean_name(name, owner="A user"),
        password_hash=hash_password(check_password(password)),
        role=role,
        is_active=True,
    )
    session.add(user)
    await session.flush()
    logger.info("user created", user_id=user.id, family_id=family_id, role=role.value)
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await repository.user_by_id(session, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found")
    return user


async def find_user(session: AsyncSession, id_or_email: str) -> User:
    """A user by id ("12") or by email, for the command line."""
    if id_or_email.isdigit():
        return await get_user(session, int(id_or_email))
    user = await repository.user_by_email(session, id_or_email)
    if user is None:
        raise NotFoundError(f"No user with the email {id_or_email.strip().lower()}")
    return user


async def list_users(session: AsyncSession, family_id: int | None = None) -> Sequence[User]:
    if family_id is not None:
        await get_family(session, family_id)
    return await repository.list_users(session, family_id)


async def _keep_an_admin(session: AsyncSession, user: User, what: str) -> None:
    if user.role is UserRole.ADMIN and user.is_active and await repository.count_active_admins(session) <= 1:
        raise ConflictError(f"Cannot {what} the last active administrator; make another user an admin first")


async def update_user(session: AsyncSession, user_id: int, changes: UserChanges) -> User:
    user = await get_user(session, user_id)
    forget_user(session, user.id)  # requests in this process see the change as soon as it commits
    now = datetime.now(UTC)
    if changes.role is not None and changes.role is not user.role:
        if changes.role is not UserRole.ADMIN:
            await _keep_an_admin(session, user, "demote")
        user.role = changes.role
    if changes.is_active is not None and changes.is_active != user.is_active:
        if not changes.is_active:
            await _keep_an_admin(session, user, "disable")
            await repository.revoke_user_tokens(session, user.id, now)
        user.is_active = changes.is_active
    if changes.name is not None:
        user.name = clean_name(changes.name, owner="A user")
    if changes.password is not None:
        user.password_hash = hash_password(check_password(changes.password))
        await repository.revoke_user_tokens(session, user.id, now)
    await session.flush()
    logger.info("user updated", user_id=user.id, role=user.role.value, active=user.is_active)
    return user


async def delete_user(session: AsyncSession, user_id: int) -> None:
    user = await get_user(session, user_id)
    await _keep_an_admin(session, user, "delete")
    await repository.delete_user(session, user.id)
    forget_user(session, user.id)
    logger.info("user deleted", user_id=user_id)
