"""`lumina serve` as a real process: it answers, and SIGTERM stops it gracefully within seconds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_ENCRYPTION_KEY, TEST_JWT_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Poll until the service answers; the deadline only bounds a failure (a start-up under load takes ~20 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before answering"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def test_serve_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lumina.db'}",
        "DATA_DIR": str(tmp_path),
        "PORT": str(port),
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
        "LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from lumina.cli import main; main()", "serve"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    # uvicorn re-raises the signal once shut down, so a supervisor sees how the process ended.
    assert process.returncode in (0, -signal.SIGTERM)
    logs = stderr.decode()
    assert "service stopped" in logs
    assert TEST_JWT_SECRET not in logs
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert not [record for record in records if "color_message" in record]
    access = [record for record in records if record["logger"] in ("lumina.access", "uvicorn.access")]
    assert access
    assert {(record["logger"], record["route"], record["status"]) for record in access} == {
        ("lumina.access", "/readyz", 200)
    }


def test_serve_refuses_weak_secret_in_production(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lumina.db'}",
        "JWT_SECRET": "change-me",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from lumina.cli import main; main()", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr.decode()
