"""What a running service holds once: settings, the database, the secrets derived from settings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lumina.config import Settings
from lumina.db.session import Database
from lumina.kit.crypto import SecretBox


@dataclass
class ServiceContext:
    settings: Settings
    database: Database
    secret_box: SecretBox
    jwt_secret: str = field(repr=False)
    # Long-lived parts started with the service (the scheduler, the demo shop), keyed by name.
    components: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceContext:
        settings.check()
        return cls(
            settings=settings,
            database=_database(settings, settings.async_database_url),
            secret_box=SecretBox(settings.resolve_secret("encryption_key")),
            jwt_secret=settings.resolve_secret("jwt_secret"),
        )

    def with_own_database(self) -> ServiceContext:
        """The same service with a database engine of its own, for work on another thread's event loop: a
        connection belongs to the loop that opened it. No components: they belong to this context's loop."""
        return dataclasses.replace(self, database=_database(self.settings, self.database.url), components={})

    async def close(self) -> None:
        await self.database.dispose()


def _database(settings: Settings, url: str) -> Database:
    # In queue mode a frozen process (a lost machine) must not keep a shop's row locked in a transaction it never
    # ends: PostgreSQL ends such a session once it has been idle in a transaction for a lease.
    return Database(
        url,
        idle_in_transaction_timeout=settings.worker_lease_seconds if settings.queued else None,
    )
