"""Configuration mistakes as a person meets them: one clean line naming the setting, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET

LUMINA = Path(sys.executable).with_name("lumina")


@pytest.mark.parametrize("mode", ["query", "basic"])
@pytest.mark.parametrize("command", [["sync"], ["serve", "--port", "3999"]])
def test_an_auth_mode_unfit_for_an_http_store_url_is_one_line_naming_the_setting(
    tmp_path: Path, mode: str, command: list[str]
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lumina.db'}",
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
        "JWT_SECRET": TEST_JWT_SECRET,
        "WC_STORE_URL": "http://shop.example",
        "WC_CONSUMER_KEY": "ck_" + "1" * 40,
        "WC_CONSUMER_SECRET": "cs_" + "2" * 40,
        "WC_AUTH_MODE": mode,
        "SCHEDULER_ENABLED": "false",
    }
    done = subprocess.run(
        [str(LUMINA), *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"WC_AUTH_MODE={mode}" in lines[0]
    assert "WC_STORE_URL" in lines[0]
    assert "AuthMode" not in lines[0]
    assert "1111" not in done.stderr + done.stdout
    assert "2222" not in done.stderr + done.stdout
