"""Login throttling per email and per client address, stored in the database so every process shares it.

Failures are counted in a window of `login_lockout_seconds`; reaching the limit locks the key for that long. An
address gets a larger allowance than an email (a household or an office shares one address), and only the email's
count is cleared by a successful login: otherwise one valid account would let its owner spray guesses at others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.auth import repository
from lumina.config import Settings
from lumina.errors import TooManyRequestsError

ADDRESS_ALLOWANCE_FACTOR = 4


@dataclass(frozen=True, slots=True)
class ThrottleKeys:
    email: str
    address: str

    @classmethod
    def of(cls, email: str, address: str) -> ThrottleKeys:
        return cls(email=f"email:{email.strip().lower()}"[:400], address=f"addr:{address}"[:400])


def _limit(settings: Settings, key: str) -> int:
    factor = ADDRESS_ALLOWANCE_FACTOR if key.startswith("addr:") else 1
    return settings.login_max_failures * factor


async def ensure_allowed(session: AsyncSession, keys: ThrottleKeys, now: datetime) -> None:
    """Raise 429 with Retry-After while either key is locked."""
    locked_until = [
        row.locked_until
        for row in await repository.throttles(session, [keys.email, keys.address])
        if row.locked_until is not None and row.locked_until > now
    ]
    if locked_until:
        wait = max(1, math.ceil((max(locked_until) - now).total_seconds()))
        raise TooManyRequestsError(f"Too many failed login attempts. Try again in {wait} seconds.", retry_after=wait)


async def record_failure(session: AsyncSession, settings: Settings, keys: ThrottleKeys, now: datetime) -> None:
    window = timedelta(seconds=settings.login_lockout_seconds)
    for key in (keys.email, keys.address):
        row = await repository.locked_throttle(session, key, now)
        if now - row.window_started_at >= window or (row.locked_until is not None and row.locked_until <= now):
            row.failures = 0
            row.window_started_at = now
            row.locked_until = None
        row.failures += 1
        if row.failures >= _limit(settings, key):
            row.locked_until = now + window
    await session.flush()


async def record_success(session: AsyncSession, keys: ThrottleKeys) -> None:
    await repository.clear_throttle(session, keys.email)
