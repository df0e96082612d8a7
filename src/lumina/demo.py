"""The demo a newcomer gets from `lumina serve` with nothing configured.

A simulated WooCommerce shop runs as a child process on loopback (the `woosim` command; the service never imports
it), the service syncs it like any real shop, and the seed's test user can log in. The demo keeps its own SQLite
file, so its well-known password never lands in a real installation's database.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from lumina.auth.passwords import hash_password
from lumina.config import Environment, Settings
from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.models import Family, User, UserRole

DEMO_EMAIL = "test@example.com"
DEMO_PASSWORD = "test123"  # noqa: S105 (the seed's quick-test commands log in with it)
DEMO_FAMILY = "Demo family"
DEMO_ORDERS = 3000
DEMO_DAYS = 30
DEMO_TIMEZONE = "Europe/Berlin"
STARTUP_TIMEOUT_SECONDS = 60.0

logger = get_logger("lumina.demo")


def wants_demo(settings: Settings) -> bool:
    """Nothing configured at all: no shop and no database of the operator's own."""
    return settings.lumina_env is Environment.DEMO or not (settings.shop_configured or settings.database_url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class DemoShop:
    """The simulated shop's child process and the keys it accepts."""

    orders: int = DEMO_ORDERS
    consumer_key: str = field(default_factory=lambda: "ck_" + secrets.token_hex(20))
    consumer_secret: str = field(default_factory=lambda: "cs_" + secrets.token_hex(20), repr=False)
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            *(sys.executable, "-c", "from woosim.cli import main; main()"),
            *("serve", "--host", "127.0.0.1", "--port", str(self.port)),
            *("--orders", str(self.orders), "--days", str(DEMO_DAYS), "--seed", "7", "--timezone", DEMO_TIMEZONE),
        ]
        keys = {"WOOSIM_KEY": self.consumer_key, "WOOSIM_SECRET": self.consumer_secret}
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter)
            command, stdout=subprocess.DEVNULL, env={**os.environ, **keys}
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the simulated shop exited at start-up (code {self.process.returncode})")
            try:
                httpx.get(f"{self.url}/wp-json/", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the simulated shop did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def settings_for(self, settings: Settings) -> Settings:
        """The demo's settings: this shop, its own SQLite file, relaxed secrets (generated, never defaults)."""
        return settings.model_copy(
            update={
                "lumina_env": Environment.DEMO,
                "database_url": f"sqlite:///{(Path(settings.data_dir) / 'demo.db').as_posix()}",
                "wc_store_url": self.url,
                "wc_consumer_key": SecretStr(self.consumer_key),
                "wc_consumer_secret": SecretStr(self.consumer_secret),
                "allow_private_shop_urls": True,
            }
        )


async def seed_demo_accounts(context: ServiceContext) -> None:
    """The demo family and the seed's test user (an admin, so every endpoint can be tried)."""
    async with context.database.transaction() as session:
        if await session.scalar(select(User.id).where(User.email == DEMO_EMAIL)) is not None:
            return
        family = Family(name=DEMO_FAMILY)
        session.add(family)
        await session.flush()
        session.add(
            User(
                family_id=family.id,
                email=DEMO_EMAIL,
                name="Test User",
                password_hash=hash_password(DEMO_PASSWORD),
                role=UserRole.ADMIN,
            )
        )
    logger.info("demo account ready", email=DEMO_EMAIL, family=DEMO_FAMILY)


def banner(settings: Settings, shop: DemoShop) -> str:
    """What the demo is, where it listens, and how to point the `lumina` command at the demo's own database."""
    base = f"http://{settings.host}:{settings.port}"
    database = Path(settings.async_database_url.split("///", 1)[-1]).resolve()
    data_dir = Path(settings.data_dir).resolve()
    lumina = Path(sys.executable).with_name("lumina")
    return "\n".join(
        [
            "",
            "  Lumina order sync: demo mode (no shop configured)",
            f"  Console:          {base}/   (open it in a browser)",
            f"  API:              {base}/api/v1   (OpenAPI docs at {base}/docs)",
            f"  Simulated shop:   {shop.url}  ({shop.orders} orders, timezone {DEMO_TIMEZONE})",
            f"  Log in as:        {DEMO_EMAIL} / {DEMO_PASSWORD}",
            f"  Database:         {database}",
            f"  Command line:     DATABASE_URL=sqlite:///{database} DATA_DIR={data_dir} {lumina} users list",
            "  To sync your own shop, set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET (see .env.example).",
            "",
        ]
    )
