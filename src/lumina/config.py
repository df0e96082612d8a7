"""Settings from the environment and an optional `.env`, with the seed's names and defaults.

Secrets follow one rule: an explicit secret must be strong; an absent one is generated once and kept in the data
folder for a single-node (SQLite) install, and refused where several processes must share it (PostgreSQL in
production), because each process would otherwise invent its own.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
# Values that ship in .env.example or in tutorials: never acceptable outside demo and development.
KNOWN_PLACEHOLDERS = frozenset({"change-me", "changeme", "secret", "your-secret", "please-change-this-secret"})


class Environment(StrEnum):
    PRODUCTION = "production"
    DEVELOPMENT = "development"
    DEMO = "demo"
    TEST = "test"


class WooAuthMode(StrEnum):
    AUTO = "auto"
    BASIC = "basic"
    OAUTH1 = "oauth1"
    QUERY = "query"


class SyncRunner(StrEnum):
    EMBEDDED = "embedded"  # the scheduler and the syncs run inside `lumina serve`
    QUEUE = "queue"  # `lumina worker` processes run them from procrastinate's queue in PostgreSQL


class ConfigError(Exception):
    """A setting that keeps the service from starting; the message names the variable to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    lumina_env: Environment = Environment.PRODUCTION
    host: str = "127.0.0.1"
    port: int = Field(default=3001, ge=1, le=65535)
    data_dir: Path = Path("data")
    database_url: str = ""

    wc_store_url: str = ""
    wc_consumer_key: SecretStr = SecretStr("")
    wc_consumer_secret: SecretStr = SecretStr("")
    wc_auth_mode: WooAuthMode = WooAuthMode.AUTO
    wc_verify_tls: bool = True

    sync_interval: int = Field(default=30, ge=1, description="Minutes between background syncs.")
    sync_days_back: int = Field(default=30, ge=1, le=3650)
    sync_on_startup: bool = True
    sync_max_concurrency: int = Field(default=4, ge=1, le=32)
    sync_requests_per_second: float = Field(default=5.0, gt=0)
    retention_days: int = Field(default=90, ge=0, description="0 keeps every order.")
    scheduler_enabled: bool = True
    sync_runner: SyncRunner = SyncRunner.EMBEDDED
    queue_worker_timeout: float = Field(
        default=30.0, ge=1, description="Seconds without a heartbeat after which a worker's job is taken over."
    )
    worker_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: a worker serves no /metrics.")
    metrics_per_shop: bool = Field(default=True, description="Label sync metrics by shop id (false: one series).")

    jwt_secret: SecretStr = SecretStr("")
    encryption_key: SecretStr = SecretStr("")
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)

    orders_cache_seconds: float = Field(
        default=1.5, ge=0, le=60, description="How long an orders answer may be reused; 0 turns the cache off."
    )
    orders_cache_max_mb: float = Field(default=64, gt=0, description="Memory for cached orders answers, in MiB.")
    auth_user_cache_seconds: float = Field(
        default=5.0, ge=0, le=60, description="How long a user's role and state are trusted; 0 reads them every time."
    )

    allow_private_shop_urls: bool = False
    cors_origins: Annotated[list[str], NoDecode] = []
    log_level: str = "INFO"
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def relaxed(self) -> bool:
        """Demo, development and tests may run on generated or short secrets."""
        return self.lumina_env is not Environment.PRODUCTION

    @property
    def shop_configured(self) -> bool:
        return bool(self.wc_store_url and self.wc_consumer_key.get_secret_value())

    @cached_property
    def async_database_url(self) -> str:
        """The URL SQLAlchemy's async engine needs, from the plain forms people write."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'lumina.db').as_posix()}"
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    def resolve_secret(self, name: str) -> str:
        """The value of a secret setting, checked for strength, generated when absent where that is safe."""
        value = getattr(self, name).get_secret_value()
        variable = name.upper()
        if value:
            weak = len(value) < MIN_SECRET_LENGTH or value.lower() in KNOWN_PLACEHOLDERS
            if weak and not self.relaxed:
                raise ConfigError(
                    f"{variable} is too weak: use at least {MIN_SECRET_LENGTH} random characters "
                    f"(for example the output of `openssl rand -hex 32`)."
                )
            return str(value)
        if not self.is_sqlite and not self.relaxed:
            raise ConfigError(
                f"{variable} is not set. Several processes share this database, so they must share the secret: "
                f"set {variable} to at least {MIN_SECRET_LENGTH} random characters (`openssl rand -hex 32`)."
            )
        return self._stored_secret(name)

    def _stored_secret(self, name: str) -> str:
        path = self.data_dir / "secrets" / name
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(value, encoding="utf-8")
        return value

    def check(self) -> None:
        """Fail fast, before serving anything, on settings that cannot work."""
        self.resolve_secret("jwt_secret")
        self.resolve_secret("encryption_key")
        if bool(self.wc_store_url) != bool(self.wc_consumer_key.get_secret_value()) or bool(self.wc_store_url) != bool(
            self.wc_consumer_secret.get_secret_value()
        ):
            raise ConfigError(
                "WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET go together: set all three or none."
            )
        if self.sync_runner is SyncRunner.QUEUE and self.is_sqlite:
            raise ConfigError(
                "SYNC_RUNNER=queue needs PostgreSQL: set DATABASE_URL=postgresql://... or use SYNC_RUNNER=embedded."
            )

    @property
    def queued(self) -> bool:
        """Sync work runs on the task queue (`lumina worker`), not inside the API process."""
        return self.sync_runner is SyncRunner.QUEUE


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
