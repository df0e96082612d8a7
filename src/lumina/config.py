"""Settings from the environment and an optional `.env`, with the seed's names and defaults.

Secrets follow one rule: an explicit secret must be strong; an absent one is generated once and kept in the data
folder for a single-node (SQLite) install, and refused where several processes must share it (PostgreSQL in
production), because each process would otherwise invent its own.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from lumina.kit.crypto import split_keys
from lumina.kit.private_files import create_private_file, private_folder

MIN_SECRET_LENGTH = 32
# Values that ship in .env.example or in tutorials: never acceptable outside demo and development.
KNOWN_PLACEHOLDERS = frozenset({"change-me", "changeme", "secret", "your-secret", "please-change-this-secret"})
# The forms people write, each with the async driver SQLAlchemy needs; the driver forms themselves are accepted too.
DATABASE_DRIVERS = {
    "postgres://": "postgresql+asyncpg://",
    "postgresql://": "postgresql+asyncpg://",
    "sqlite://": "sqlite+aiosqlite://",
}
# Secrets that may list several keys, comma-separated, so that a key can be rotated (the first one is used).
KEY_LISTS = frozenset({"encryption_key"})


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


class SyncIsolation(StrEnum):
    PROCESS = "process"  # embedded syncs run in a child process of `lumina serve`: requests keep the interpreter
    THREAD = "thread"  # on a thread of the API process: one process, but a backfill slows the answers (GIL)


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
    run_history_days: int = Field(default=90, ge=0, description="Days of sync runs kept; 0 keeps every run.")
    scheduler_enabled: bool = True
    sync_runner: SyncRunner = SyncRunner.EMBEDDED
    sync_isolation: SyncIsolation = SyncIsolation.PROCESS
    queue_worker_timeout: float = Field(
        default=30.0, ge=1, description="Seconds without a heartbeat after which a worker's job is taken over."
    )
    worker_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: a worker serves no /metrics.")
    metrics_per_shop: bool = Field(default=True, description="Label sync metrics by shop id (false: one series).")
    reconcile_interval: int = Field(
        default=360, ge=1, description="Minutes between full reconciliations of a shop (also run when counts differ)."
    )

    public_url: str = Field(
        default="", description="Where shops reach this service; set, webhooks are registered on every shop."
    )
    webhook_max_per_minute: int = Field(default=600, ge=1, description="Deliveries accepted per shop and minute.")
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    events_ticket_seconds: int = Field(default=30, ge=1, le=300, description="Lifetime of an events stream ticket.")

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
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Proxies (addresses or networks, `*` for any) whose X-Forwarded-For names the client; "
        "empty: the connecting address is the client.",
    )
    log_level: str = "INFO"
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith((*DATABASE_DRIVERS, *DATABASE_DRIVERS.values())):
            scheme = value.split("://", 1)[0] if "://" in value else value[:20]
            raise ValueError(
                f"{scheme!r} is not a database this service knows: use sqlite:///path/to/lumina.db or "
                "postgresql://user:password@host:5432/dbname"
            )
        return value

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        """uvicorn would take a mistyped address as a name that never matches: refuse it instead."""
        for item in value:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an IP address or network (or `*`)") from None
        return value

    @property
    def relaxed(self) -> bool:
        """Demo, development and tests may run on generated or short secrets."""
        return self.lumina_env is not Environment.PRODUCTION

    @field_validator("public_url")
    @classmethod
    def _trim_public_url(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @property
    def shop_configured(self) -> bool:
        return bool(self.wc_store_url and self.wc_consumer_key.get_secret_value())

    @cached_property
    def async_database_url(self) -> str:
        """The URL SQLAlchemy's async engine needs, from the plain forms people write."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'lumina.db').as_posix()}"
        for plain, driver in DATABASE_DRIVERS.items():
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
            keys = split_keys(value) if name in KEY_LISTS else [value]
            if not keys:
                raise ConfigError(f"{variable} lists no key: give at least one, or several separated by commas.")
            weak = any(len(key) < MIN_SECRET_LENGTH or key.lower() in KNOWN_PLACEHOLDERS for key in keys)
            if weak and not self.relaxed:
                each = " for each of its keys" if len(keys) > 1 else ""
                raise ConfigError(
                    f"{variable} is too weak: use at least {MIN_SECRET_LENGTH} random characters{each} "
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
        private_folder(path.parent)
        if not create_private_file(path):
            return path.read_text(encoding="utf-8").strip()
        value = secrets.token_urlsafe(48)
        path.write_text(value, encoding="utf-8")
        return value

    def check(self) -> None:
        """Fail fast, before serving anything, on settings that cannot work."""
        self._check_store_url()
        self.resolve_secret("jwt_secret")
        self.resolve_secret("encryption_key")
        if bool(self.wc_store_url) != bool(self.wc_consumer_key.get_secret_value()) or bool(self.wc_store_url) != bool(
            self.wc_consumer_secret.get_secret_value()
        ):
            raise ConfigError(
                "WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET go together: set all three or none."
            )
        self.check_runner()
        if self.public_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", self.public_url):
            raise ConfigError(
                "PUBLIC_URL must be the address shops reach this service at, such as https://lumina.example.org."
            )
        self._check_auth_mode()

    def check_runner(self) -> None:
        """The queue lives in PostgreSQL; checked apart too, by `lumina worker` before it looks for a database."""
        if self.sync_runner is SyncRunner.QUEUE and self.is_sqlite:
            raise ConfigError(
                "SYNC_RUNNER=queue needs PostgreSQL: set DATABASE_URL=postgresql://... or use SYNC_RUNNER=embedded."
            )

    @property
    def queued(self) -> bool:
        """Sync work runs on the task queue (`lumina worker`), not inside the API process."""
        return self.sync_runner is SyncRunner.QUEUE

    @property
    def worker_lease_seconds(self) -> float:
        """How long a worker's shop lease lasts: twice QUEUE_WORKER_TIMEOUT (60 s by default), at least 10 s. A worker
        that froze (a lost machine: its process is not seen dead) has its job taken over after the timeout and its
        shop soon after, while a live one renews every third of it."""
        return max(2 * self.queue_worker_timeout, 10.0)

    def _check_auth_mode(self) -> None:
        """WooCommerce ignores Basic and query-string keys over plain HTTP, which would carry the secret in clear."""
        if not self.wc_store_url or self.wc_auth_mode not in (WooAuthMode.BASIC, WooAuthMode.QUERY):
            return
        if urlsplit(self.wc_store_url.strip()).scheme.lower() != "https":
            raise ConfigError(
                f"WC_AUTH_MODE={self.wc_auth_mode.value} needs a WC_STORE_URL starting with https://: over plain "
                "HTTP WooCommerce ignores it and the secret would travel in clear text; use WC_AUTH_MODE=auto or "
                "oauth1 for an http:// shop."
            )

    def _check_store_url(self) -> None:
        parts = urlsplit(self.wc_store_url.strip())
        if self.wc_store_url and (parts.scheme.lower() not in ("http", "https") or not parts.hostname):
            raise ConfigError(
                "WC_STORE_URL must be the shop's address with its scheme, for example https://shop.example.com "
                "(https:// unless the shop only speaks plain http://)."
            )


def describe_invalid(error: ValidationError) -> str:
    """A malformed setting as one line per variable, without the value (it may be a secret)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']).upper()}: {problem['msg'].removeprefix('Value error, ')}"
        for problem in error.errors()
    )


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
