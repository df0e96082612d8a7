"""`lumina serve` as a real process: it answers, and SIGTERM stops it gracefully within seconds."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


def serve_environment(tmp_path: Path, port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WC_", "DATABASE_URL", "LUMINA_ENV", "SYNC_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lumina.db'}",
        "DATA_DIR": str(tmp_path),
        "PORT": str(port),
        "JWT_SECRET": TEST_JWT_SECRET,
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
        "LOG_FORMAT": "json",
    }


def start_serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    """`lumina serve` in a process group of its own, as a terminal starts it."""
    return subprocess.Popen(
        [sys.executable, "-c", "from lumina.cli import main; main()", "serve"],
        env=serve_environment(tmp_path, port),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def sync_children(pid: int) -> list[int]:
    """The live sync processes `pid` started (lumina.jobs.sync_child), from /proc (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = stat.with_name("cmdline").read_bytes()
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"lumina.jobs.sync_child" in command:
            found.append(int(stat.parent.name))
    return found


def ends_within(pid: int, timeout: float) -> bool:
    """Whether process `pid` (not ours to wait for: a child of the service) ends within `timeout` seconds, woken by
    its end (a pidfd, Linux) rather than by polling."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:  # ended and reaped already
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
    finally:
        os.close(handle)
    return bool(readable)


@contextlib.contextmanager
def serving_with_its_sync_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`lumina serve` started and answering, and the pid of its one sync process; killed at the end if still up."""
    port = free_port()
    process = start_serve(tmp_path, port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process)
        [child] = sync_children(process.pid)
        yield process, child
    finally:
        process.kill()


def test_serve_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(tmp_path, port)
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


def test_ctrl_c_stops_serve_and_its_sync_process_without_a_traceback(tmp_path: Path) -> None:
    with serving_with_its_sync_process(tmp_path) as (process, child):
        os.killpg(process.pid, signal.SIGINT)  # a terminal signals the whole group: the child waits to be told
        _, stderr = process.communicate(timeout=30)
    logs = stderr.decode()
    assert process.returncode in (0, -signal.SIGINT)
    assert ends_within(child, 0)
    assert "service stopped" in logs
    assert "Traceback" not in logs
    assert "sync process ended" not in logs


def test_the_sync_process_ends_when_serve_is_killed(tmp_path: Path) -> None:
    with serving_with_its_sync_process(tmp_path) as (process, child):
        process.kill()  # no shut-down at all: the child reads the end of its channel
        process.communicate(timeout=30)
        assert ends_within(child, 30)
