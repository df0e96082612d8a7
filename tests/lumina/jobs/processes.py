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
_STARTED: list[subprocess.Popen[str]] = []


def end_leftovers() -> None:
    """A test that failed half-way leaves its processes running: end them, so the next test starts clean."""
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    _STARTED.append(process)
    return process


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
    return _start([sys.executable, str(WORKER), str(shop_id), str(lease_seconds)], environment(context, **extra))


def start_cli(context: ServiceContext, *args: str, **extra: str) -> subprocess.Popen[str]:
    lumina = Path(sys.executable).with_name("lumina")
    return _start([str(lumina), *args], environment(context, **extra))
