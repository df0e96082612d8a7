"""The newcomer's path: `lumina serve` with nothing configured runs the demo, and the seed's quick-test commands
work against it verbatim (extracted from the seed write-up at test time, run by bash and curl)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.paths import SEED

DEMO_PORT = 3001  # the quick-test commands name it
BASE = f"http://localhost:{DEMO_PORT}"
MARK = "@@command@@"


def quick_test_commands() -> str:
    text = SEED.read_text(encoding="utf-8")
    section = text.split("## Quick Test Commands", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert match, "the seed's quick-test block was not found"
    return match.group(1)


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def login() -> dict[str, str]:
    answer = httpx.post(f"{BASE}/api/v1/auth/login", json={"email": "test@example.com", "password": "test123"})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def wait_for_first_sync(process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo exited"
        try:
            status = httpx.get(f"{BASE}/api/v1/orders/sync/status", headers=login(), timeout=5).json()
            last = status["syncJob"].get("lastRun")
            if last and last.get("status") == "succeeded":
                return
        except (httpx.TransportError, httpx.HTTPStatusError):
            pass
        time.sleep(0.5)
    raise AssertionError("the demo's first sync did not finish in time")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    tmp_path = tmp_path_factory.mktemp("demo")
    if not port_is_free(DEMO_PORT):
        pytest.fail(f"port {DEMO_PORT} is taken: the seed's quick-test commands need it")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV", "PORT"))}
    process = subprocess.Popen(
        [sys.executable, "-c", "from lumina.cli import main; main()", "serve"],
        cwd=tmp_path,
        env={**env, "DATA_DIR": str(tmp_path / "data"), "LOG_FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_first_sync(process)
        children = children_of(process.pid)
        assert children, "the simulated shop should run as a child process"
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        finally:
            process.kill()
    # A supervisor's SIGTERM reaches only the service: it must take its simulated shop down with it.
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_seed_quick_test_commands_run_verbatim_against_the_demo(demo: subprocess.Popen[bytes]) -> None:
    script = f"trap 'echo {MARK}' DEBUG\n" + quick_test_commands()
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=True)
    outputs = [chunk.strip() for chunk in result.stdout.split(MARK) if chunk.strip()]
    orders, stats, sync_status, manual_sync = (json.loads(chunk) for chunk in outputs)

    assert orders["count"] > 1000
    assert len(orders["orders"]) > 0
    assert set(orders) == {"orders", "count"}

    numbers = stats["stats"]
    for key in ("total_orders", "pending", "processing", "completed", "cancelled", "total_revenue", "last_sync"):
        assert numbers[key] is not None, key
    assert numbers["total_orders"] == orders["count"]

    assert sync_status["woocommerceConfigured"] is True
    assert sync_status["syncJob"]["intervalMinutes"] == 30
    assert {"running", "syncing"} <= set(sync_status["syncJob"])

    assert {"processed", "created", "updated"} <= set(manual_sync)


def test_unauthenticated_request_is_refused_like_the_seed(demo: subprocess.Popen[bytes]) -> None:
    answer = httpx.get(f"{BASE}/api/v1/orders")
    assert answer.status_code == 401
    assert answer.json() == {"error": "Unauthorized", "message": "No token provided"}


def test_the_banner_shows_how_to_point_the_command_line_at_the_demo_database(
    demo: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    assert demo.stdout is not None
    banner = [demo.stdout.readline().decode() for _ in range(9)]
    [command] = [line.split(":", 1)[1].strip() for line in banner if line.strip().startswith("Command line:")]

    # Run from another folder, as a person would from a second terminal.
    listed = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )

    assert listed.returncode == 0, listed.stderr
    assert "test@example.com" in listed.stdout
    assert list(tmp_path.iterdir()) == []
