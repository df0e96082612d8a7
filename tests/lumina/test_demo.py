"""The newcomer's path: `lumina serve` with nothing configured runs the demo, and the README's quick-test commands
work against it as written (taken from README.md at test time, run by bash and curl), as do the seed's others."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.lumina.test_serve import free_port
from tests.paths import README

# The demo's start-up and first sync count against its first test; on a loaded machine that takes minutes. Under
# pytest-xdist the module's tests stay together on one worker, so one demo serves them.
pytestmark = [pytest.mark.timeout(360), pytest.mark.xdist_group("demo")]

README_BASE = "http://localhost:3001"  # what the README's commands name; the demo here runs on a free port instead
MARK = "@@command@@"


@dataclass(frozen=True)
class Demo:
    process: subprocess.Popen[bytes]
    base: str
    output: Path  # what the demo printed (its banner first)


def quick_test_commands(base: str) -> str:
    """The README's first bash block that signs in, pointed at this test's demo."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    block = next((b for b in blocks if "/api/v1/auth/login" in b), None)
    assert block, "the README's quick-test block was not found"
    assert f"{README_BASE}/" in block
    return block.replace(f"{README_BASE}/", f"{base}/")


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def login(base: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/login", json={"email": "test@example.com", "password": "test123"})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


def wait_for_first_sync(process: subprocess.Popen[bytes], base: str, timeout: float = 240) -> None:
    """Poll the demo's own status; the deadline only bounds a failure (its start-up takes long on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo exited"
        try:
            status = httpx.get(f"{base}/api/v1/orders/sync/status", headers=login(base), timeout=5).json()
            last = status["syncJob"].get("lastRun")
            if last and last.get("status") == "succeeded":
                return
        except (httpx.TransportError, httpx.HTTPStatusError):
            pass
        time.sleep(0.5)
    raise AssertionError("the demo's first sync did not finish in time")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp_path = tmp_path_factory.mktemp("demo")
    output = tmp_path / "demo.out"
    log = output.open("wb")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV", "PORT"))}
    process = subprocess.Popen(
        [sys.executable, "-c", "from lumina.cli import main; main()", "serve"],
        cwd=tmp_path,
        env={**env, "DATA_DIR": str(tmp_path / "data"), "LOG_FORMAT": "json", "PORT": str(port)},
        stdout=log,  # a file: a pipe nobody reads would stop the demo once its buffer is full
        stderr=subprocess.DEVNULL,
    )
    base = f"http://localhost:{port}"
    try:
        wait_for_first_sync(process, base)
        children = children_of(process.pid)
        assert children, "the simulated shop should run as a child process"
        yield Demo(process, base, output)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        finally:
            process.kill()
            log.close()
    # A supervisor's SIGTERM reaches only the service: it must take its simulated shop down with it.
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_the_readme_quick_test_commands_run_as_written_against_the_demo(demo: Demo) -> None:
    script = f"trap 'echo {MARK}' DEBUG\n" + quick_test_commands(demo.base)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=True)
    outputs = [chunk.strip() for chunk in result.stdout.split(MARK) if chunk.strip()]
    (stats,) = (json.loads(chunk) for chunk in outputs)

    numbers = stats["stats"]
    for key in ("total_orders", "pending", "processing", "completed", "cancelled", "total_revenue", "last_sync"):
        assert numbers[key] is not None, key
    assert numbers["total_orders"] > 1000


def test_the_seed_quick_test_calls_answer_in_the_seed_shapes(demo: Demo) -> None:
    headers = login(demo.base)
    with httpx.Client(base_url=demo.base, headers=headers, timeout=60) as api:
        orders = api.get("/api/v1/orders").json()
        stats = api.get("/api/v1/orders/stats").json()
        sync_status = api.get("/api/v1/orders/sync/status").json()
        manual_sync = api.post("/api/v1/orders/sync", json={"daysBack": 30}).json()

    assert orders["count"] > 1000
    assert len(orders["orders"]) > 0
    assert set(orders) == {"orders", "count"}
    assert stats["stats"]["total_orders"] == orders["count"]

    assert sync_status["woocommerceConfigured"] is True
    assert sync_status["syncJob"]["intervalMinutes"] == 30
    assert {"running", "syncing"} <= set(sync_status["syncJob"])

    assert {"processed", "created", "updated"} <= set(manual_sync)


def test_unauthenticated_request_is_refused_like_the_seed(demo: Demo) -> None:
    answer = httpx.get(f"{demo.base}/api/v1/orders")
    assert answer.status_code == 401
    assert answer.json() == {"error": "Unauthorized", "message": "No token provided"}


def test_the_banner_points_to_the_console_and_the_command_line_at_the_demo_database(demo: Demo, tmp_path: Path) -> None:
    banner = demo.output.read_text(encoding="utf-8").splitlines()[:10]
    [command] = [line.split(":", 1)[1].strip() for line in banner if line.strip().startswith("Command line:")]
    # The console is the first address the banner names, and it answers with the console's page.
    addresses = [line.split(":", 1)[1].split()[0] for line in banner if "http://" in line]
    console = httpx.URL(addresses[0])
    assert (console.port, console.path) == (httpx.URL(demo.base).port, "/")
    assert "<title>Lumina orders</title>" in httpx.get(addresses[0]).text

    # Run from another folder, as a person would from a second terminal.
    listed = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )

    assert listed.returncode == 0, listed.stderr
    assert "test@example.com" in listed.stdout
    assert list(tmp_path.iterdir()) == []
