"""How a simulated shop is set up: keys, data size and shape, timezone, currencies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

Permission = Literal["read", "write", "read_write"]


@dataclass(frozen=True)
class ApiKey:
    """A WooCommerce REST API key. The secret never appears in reprs."""

    consumer_key: str
    consumer_secret: str = field(repr=False)
    permissions: Permission = "read_write"
    user_id: int = 1
    description: str = ""

    def __repr__(self) -> str:
        return f"ApiKey(consumer_key={self.consumer_key!r}, permissions={self.permissions!r})"

    def can(self, method: str) -> bool:
        """WooCommerce's check_permissions: reads need read, writes need write, OPTIONS always passes."""
        if method in ("GET", "HEAD"):
            return self.permissions in ("read", "read_write")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            return self.permissions in ("write", "read_write")
        return method == "OPTIONS"


def derived_key(seed: int, label: str, permissions: Permission) -> ApiKey:
    """A stable key pair for a seed, shaped like WooCommerce's (ck_/cs_ and 40 hex digits)."""
    ck = hashlib.sha256(f"woosim:{seed}:{label}:key".encode()).hexdigest()[:40]
    cs = hashlib.sha256(f"woosim:{seed}:{label}:secret".encode()).hexdigest()[:40]
    return ApiKey(f"ck_{ck}", f"cs_{cs}", permissions)


@dataclass(frozen=True)
class ShopConfig:
    """Settings of a simulated shop. Equal configs (and equal `end`) give equal orders."""

    seed: int = 1
    order_count: int = 500
    days: int = 60
    timezone: str = "UTC"
    currencies: tuple[str, ...] = ("USD", "EUR")
    customers: int = 200
    wc_version: str = "10.2.4"
    wp_version: str = "6.8.8"
    site_name: str = "Woo Sim Store"
    end: datetime | None = None  # where the generated history ends; default: the clock's now at creation
    first_id: int = 36
    home_url: str | None = None  # default: the URL the server listens on
    read_write_key: ApiKey | None = None
    read_only_key: ApiKey | None = None
    dataset: Path | None = None  # a recorded dataset to load instead of generating orders
    webhook_delay: float = 1.0  # seconds between a change and its webhook delivery (a real shop: ~1 min)
    webhook_timeout: float = 60.0
    webhook_any_port: bool = True  # a real shop only delivers to ports 80, 443 and 8080
    latency: float = 0.0

    @classmethod
    def from_recorded_dataset(cls, path: str | Path, **overrides: object) -> ShopConfig:
        """A shop holding the recorded store's orders, its timezone and its API keys (for conformance)."""
        defaults: dict[str, object] = {
            "dataset": Path(path),
            "timezone": "America/New_York",
            "site_name": "Woo Sync Test Store",
            "read_write_key": RECORDED_READ_WRITE,
            "read_only_key": RECORDED_READ_ONLY,
        }
        defaults.update(overrides)
        return replace(cls(), **defaults)  # type: ignore[arg-type]

    def keys(self) -> tuple[ApiKey, ApiKey]:
        rw = self.read_write_key or derived_key(self.seed, "read_write", "read_write")
        ro = self.read_only_key or derived_key(self.seed, "read", "read")
        return rw, ro


# The throwaway local store's keys, published with the recordings so their signatures can be re-checked.
RECORDED_READ_WRITE = ApiKey(
    "ck_a42dd88ee755845b2ef3dffaf99550040e4c2c61", "cs_8a5cefdb92e15ea83bbfcb858879f7c7ed1e192d", "read_write"
)
RECORDED_READ_ONLY = ApiKey(
    "ck_40add244d3ee8e3885129687cdbab23207fc9d24", "cs_20e94b53eef3beea2b0eb24dff2fadfd19947895", "read"
)
