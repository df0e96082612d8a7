"""A queue set up wrongly is refused with one line naming the setting, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lumina.config import ConfigError
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, make_settings

LUMINA = Path(sys.executable).with_name("lumina")


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WC_", "SYNC_", "DATABASE_URL", "LUMINA_ENV"))}
    base.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'lumina.db'}",
        DATA_DIR=str(tmp_path / "data"),
        JWT_SECRET=TEST_JWT_SECRET,
        ENCRYPTION_KEY=TEST_ENCRYPTION_KEY,
        LOG_FORMAT="json",
        **env,
    )
    return subprocess.run([str(LUMINA), *args], env=base, capture_output=True, text=True, timeout=60, check=False)


def test_the_queue_on_sqlite_is_refused_by_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", sync_runner="queue")
    with pytest.raises(ConfigError, match=r"^SYNC_RUNNER=queue needs PostgreSQL"):
        settings.check()


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_the_queue_on_sqlite_is_refused_with_one_line(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, command, SYNC_RUNNER="queue")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: SYNC_RUNNER=queue needs PostgreSQL: set DATABASE_URL=postgresql://... or use "
        "SYNC_RUNNER=embedded."
    ]


def test_a_worker_without_the_queue_mode_says_which_setting_it_needs(tmp_path: Path) -> None:
    result = run(tmp_path, "worker")

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SYNC_RUNNER=queue" in lines[0]
