"""Starting real processes that share the test's database and shop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lumina.context import ServiceContext
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET

WORKER = Path(__file__).with_name("sync_process.py")
ROOT = Path(__file__).resolve().parents[3]


def environment(context: ServiceContext, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WC_", "SYNC_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=context.database.url,
        ENCRYPTION_KEY=TEST_ENCRYPTION_KEY,
        JWT_SECRET=TEST_JWT_SECRET,
        LUMINA_ENV="test",
        DATA_DIR=str(context.settings.data_dir),
        SYNC_REQUESTS_PER_SECOND="1000",
        ALLOW_PRIVATE_SHOP_URLS="true",  # the simulated shops are on loopback, as in the tests' own settings
        LOG_FORMAT="json",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def start_worker(
    context: ServiceContext, shop_id: int, lease_seconds: float = 60.0, **extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(shop_id), str(lease_seconds)],
        env=environment(context, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def start_cli(context: ServiceContext, *args: str, **extra: str) -> subprocess.Popen[str]:
    lumina = Path(sys.executable).with_name("lumina")
    return subprocess.Popen(
        [str(lumina), *args],
        env=environment(context, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
