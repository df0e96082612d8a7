"""Which database a command uses, and who may read it.

Run in a folder of its own, a command that only reads must not leave an empty database behind, a command that
writes says which database it created, and the database, its WAL files, the data folder and the generated
secrets are the owner's alone (700/600), whatever the umask.
"""

from __future__ import annotations

import signal
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.lumina.cli.running import LUMINA, base_environment, lumina, messages
from tests.lumina.test_serve import wait_until_up


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "command",
    [["users", "list"], ["families", "list"], ["shops", "list"], ["db", "current"], ["cleanup"]],
    ids=" ".join,
)
def test_a_command_that_only_reads_creates_no_database(tmp_path: Path, command: list[str]) -> None:
    done = lumina(tmp_path, *command, env=base_environment(tmp_path))

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = messages(done.stderr)
    assert line.startswith(f"No database at {tmp_path / 'data' / 'lumina.db'}: nothing to show. Point DATABASE_URL")
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_writes_says_which_database_it_created_private_whatever_the_umask(tmp_path: Path) -> None:
    env = base_environment(tmp_path, JWT_SECRET="", ENCRYPTION_KEY="")

    done = lumina(tmp_path, "families", "create", "Smiths", env=env, umask=0)

    assert done.returncode == 0, done.stderr
    database = tmp_path / "data" / "lumina.db"
    assert messages(done.stderr) == [
        f"Created a new database at {database} (DATABASE_URL is not set: this is its default; set it to use another)."
    ]
    assert "Family 1 created: Smiths" in done.stdout
    assert mode(tmp_path / "data") == 0o700
    assert mode(database) == 0o600
    assert mode(tmp_path / "data" / "secrets") == 0o700
    assert {path.name: mode(path) for path in (tmp_path / "data" / "secrets").iterdir()} == {
        "jwt_secret": 0o600,
        "encryption_key": 0o600,
    }

    again = lumina(tmp_path, "families", "list", env=env)
    assert again.returncode == 0
    assert messages(again.stderr) == []
    assert "Smiths" in again.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_running_service_keeps_its_database_and_wal_files_private_whatever_the_umask(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    env = base_environment(tmp_path, DATABASE_URL=f"sqlite:///{data / 'lumina.db'}", DATA_DIR=str(data),
                           PORT=str(port), JWT_SECRET="", ENCRYPTION_KEY="")  # fmt: skip
    process = subprocess.Popen([str(LUMINA), "serve"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, umask=0)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        files = {path.name: mode(path) for path in data.iterdir() if path.is_file()}
        assert files == {"lumina.db": 0o600, "lumina.db-wal": 0o600, "lumina.db-shm": 0o600}
        assert mode(data) == 0o700
        assert {mode(path) for path in (data / "secrets").iterdir()} == {0o600}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert f"Created a new database at {data / 'lumina.db'}." in stderr.decode()
