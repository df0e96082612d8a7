"""Password hashing with Argon2id (argon2-cffi), upgraded transparently when the parameters change.

The parameters are chosen once per process by `configure_password_hashing(settings)`: OWASP-grade costs everywhere
except `LUMINA_ENV=test`, where a deliberately weak profile keeps a suite that creates hundreds of users fast. A hash
made under other parameters still verifies, and `needs_rehash` tells the login to upgrade it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lumina.config import Environment, Settings


@dataclass(frozen=True, slots=True)
class HashCost:
    time_cost: int
    memory_kib: int
    parallelism: int


# argon2-cffi's RFC 9106 "low memory" profile: about 50-100 ms on a small server.
STANDARD_COST = HashCost(time_cost=3, memory_kib=64 * 1024, parallelism=4)
# Only ever selected by LUMINA_ENV=test: cheap enough that a test suite hashes freely, useless against cracking.
TEST_COST = HashCost(time_cost=1, memory_kib=8, parallelism=1)


class _Hashing:
    """The process' hasher and the dummy hash an unknown email is checked against (same cost, same timing)."""

    def __init__(self, cost: HashCost) -> None:
        self.cost = cost
        self.hasher = PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
        )

    @cached_property
    def dummy_hash(self) -> str:
        # Made when first needed (or by `prepare_for_logins`), not at import: a full-cost hash is about 0.15 s of
        # CPU that a command which never checks a password (`lumina users list`) should not pay.
        return self.hasher.hash("lumina-timing-equaliser")


_current = _Hashing(STANDARD_COST)


def cost_for(settings: Settings) -> HashCost:
    return TEST_COST if settings.lumina_env is Environment.TEST else STANDARD_COST


def configure_password_hashing(settings: Settings) -> None:
    """Select the hashing cost for this process from the settings (call once at start-up)."""
    global _current  # noqa: PLW0603 - one hasher per process, like the logging configuration
    cost = cost_for(settings)
    if cost != _current.cost:
        _current = _Hashing(cost)


def prepare_for_logins() -> None:
    """Make the dummy hash now, at start-up, so that the first login of an unknown email takes as long as any."""
    _ = _current.dummy_hash


def hash_password(password: str) -> str:
    return _current.hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check: an absent account costs one hash verification too."""
    try:
        return _current.hasher.verify(password_hash or _current.dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current.hasher.check_needs_rehash(password_hash)
