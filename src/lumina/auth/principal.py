"""Who is asking: the principal behind an access token, usually without a database round trip.

Reads are most of the traffic, and loading the user row through an ORM session cost more than the read itself.
Two small in-process caches keep the check cheap without loosening it:

- verified tokens: the claims of a token that passed full verification, keyed by the token's SHA-256; its expiry
  is checked again on every use, so only the signature check is saved (a token's bytes never verify differently);
- the user row's state (family, role, active) and whether the token's session is still open, per user and session,
  for `AUTH_USER_CACHE_SECONDS` (5 s by default). Deactivating, demoting or deleting a user, and ending a session
  (logout, a replayed refresh token, a new password), take effect at once in the process that made the change
  (`forget_user`, called by the users and auth services) and within that time in every other process (the CLI,
  other API workers).
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth import tokens
from lumina.auth.repository import session_is_open
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.errors import UnauthorizedError
from lumina.models import User, UserRole

COMPONENT = "auth.principals"
GONE = "This account no longer exists or is disabled"
SESSION_ENDED = "This session has ended; log in again"
_STATE = select(
    User.family_id, User.role, User.is_active, session_is_open(User.id, bindparam("session_id")).label("open")
).where(User.id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as a request needs it: only active users in an open session become principals."""

    user_id: int
    family_id: int
    role: UserRole
    is_active: bool
    session_open: bool


@dataclass(frozen=True, slots=True)
class _Held:
    principal: Principal
    expires_at: float  # monotonic


class Principals:
    """Resolves bearer tokens to principals for one service (one database, one signing secret)."""

    def __init__(
        self,
        database: Database,
        jwt_secret: str,
        *,
        ttl: float,
        max_users: int = 10_000,
        max_tokens: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._database = database
        self._secret = jwt_secret
        self._ttl = ttl
        self._max_users = max_users
        self._max_tokens = max_tokens
        self._clock = clock
        self._wall_clock = wall_clock
        self._users: dict[tuple[int, str], _Held] = {}  # (user id, session id) -> state
        self._tokens: dict[bytes, tuple[int, str, float]] = {}  # token digest -> (user id, session id, Unix expiry)
        self._epoch = 0  # moves on every forget, so a load that raced one is not kept
        _live.add(self)

    async def resolve(self, token: str) -> Principal:
        """The principal of a valid access token of an active user, or UnauthorizedError saying why not."""
        key = self._verified_key(token)
        held = self._users.get(key)
        if held is not None and held.expires_at > self._clock():
            principal = held.principal
        else:
            principal = await self._load(key)
        if not principal.is_active:
            raise UnauthorizedError(GONE)
        if not principal.session_open:
            raise UnauthorizedError(SESSION_ENDED)
        return principal

    def forget(self, user_id: int | None) -> None:
        """Drop one user's state (in every session), or everyone's (None)."""
        self._epoch += 1
        if user_id is None:
            self._users.clear()
        else:
            for key in [key for key in self._users if key[0] == user_id]:
                del self._users[key]

    def _verified_key(self, token: str) -> tuple[int, str]:
        """The (user id, session id) of a valid token."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        known = self._tokens.get(digest)
        if known is not None:
            user_id, session_id, expires_at = known
            if expires_at > self._wall_clock():
                return user_id, session_id
            del self._tokens[digest]
            raise UnauthorizedError("Token has expired")
        claims = tokens.decode_access_token(self._secret, token)
        if len(self._tokens) >= self._max_tokens:
            del self._tokens[next(iter(self._tokens))]  # the oldest
        self._tokens[digest] = (claims.user_id, claims.session_id, claims.expires_at.timestamp())
        return claims.user_id, claims.session_id

    async def _load(self, key: tuple[int, str]) -> Principal:
        epoch, started = self._epoch, self._clock()
        user_id, session_id = key
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(_STATE, {"user_id": user_id, "session_id": session_id})).one_or_none()
        if row is None:  # not kept: a new user could be given a deleted user's id
            raise UnauthorizedError(GONE)
        principal = Principal(user_id, row.family_id, row.role, row.is_active, bool(row.open))
        if self._ttl > 0 and epoch == self._epoch:
            self._users.pop(key, None)
            if len(self._users) >= self._max_users:
                del self._users[next(iter(self._users))]
            self._users[key] = _Held(principal, started + self._ttl)
        return principal


_live: weakref.WeakSet[Principals] = weakref.WeakSet()


def principals_of(context: ServiceContext) -> Principals:
    """The service's resolver, made on first use."""
    principals: Principals | None = context.components.get(COMPONENT)
    if principals is None:
        ttl = context.settings.auth_user_cache_seconds
        principals = Principals(context.database, context.jwt_secret, ttl=ttl)
        context.components[COMPONENT] = principals
    return principals


def forget_user(session: AsyncSession, user_id: int) -> None:
    """The user's row is changing in this unit of work: drop its state now and again once the change commits
    (a request in between may have read the old row)."""
    _forget_everywhere(user_id)
    event.listen(session.sync_session, "after_commit", lambda _session: _forget_everywhere(user_id), once=True)


def forget_all_users(session: AsyncSession) -> None:
    """Users are changing in bulk in this unit of work (a family deleted with its users): drop every user's state
    now and again once the change commits."""
    _forget_everywhere(None)
    event.listen(session.sync_session, "after_commit", lambda _session: _forget_everywhere(None), once=True)


def _forget_everywhere(user_id: int | None) -> None:
    for principals in list(_live):
        principals.forget(user_id)
