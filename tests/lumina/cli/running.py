"""Running the real `lumina` command in a fresh folder, with only the environment a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET

LUMINA = Path(sys.executable).with_name("lumina")
# A shop's three variables with keys that must never be echoed.
SHOP_KEYS = {"WC_CONSUMER_KEY": "ck_" + "1" * 40, "WC_CONSUMER_SECRET": "cs_" + "2" * 40}


def base_environment(folder: Path, **extra: str) -> dict[str, str]:
    """No developer setting leaks in: PATH (and PYTHONPATH), the test secrets, JSON logs, and what the test adds."""
    env = {
        **{name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ},
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
        "JWT_SECRET": TEST_JWT_SECRET,
        "LOG_FORMAT": "json",
        "SYNC_REQUESTS_PER_SECOND": "1000",
        "ALLOW_PRIVATE_SHOP_URLS": "true",
        "SCHEDULER_ENABLED": "false",
    }
    env.update(extra)
    return env


def lumina(folder: Path, *args: str, env: dict[str, str], umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LUMINA), *args], env=env, cwd=folder, capture_output=True, text=True, timeout=90, check=False, umask=umask
    )


def messages(stderr: str) -> list[str]:
    """What the command says to a person on stderr: every line that is not a JSON log record."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("{")]
