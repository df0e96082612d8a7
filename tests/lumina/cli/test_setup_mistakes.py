"""Set-up mistakes a newcomer makes, through the real `lumina serve` and `lumina sync`: one clean line that names
the setting and what to do, never a traceback, and never a secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_SERVER
from tests.lumina.cli.running import SHOP_KEYS, base_environment, lumina, messages


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else already listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def only_line(result_stderr: str) -> str:
    assert "Traceback" not in result_stderr
    lines = messages(result_stderr)
    assert len(lines) == 1, result_stderr
    return lines[0]


DATABASE_MISTAKES = {
    "misspelt scheme": ("postgress://postgres@127.0.0.1/test", "'postgress' is not a database this service knows"),
    "no such database": (f"postgresql://{PG_SERVER}/lumina_no_such_db", "'lumina_no_such_db' does not exist"),
    "nothing answers": (f"postgresql://postgres@127.0.0.1:{closed_port()}/test", "nothing answers at the database"),
    "no such sqlite folder": ("sqlite:///no/such/folder/lumina.db", "the folder no/such/folder for the SQLite file"),
}


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["sync"]], ids=" ".join)
@pytest.mark.parametrize("mistake", DATABASE_MISTAKES, ids=str)
def test_a_database_url_mistake_is_one_line_naming_database_url(
    tmp_path: Path, mistake: str, command: list[str]
) -> None:
    url, says = DATABASE_MISTAKES[mistake]
    env = base_environment(tmp_path, DATABASE_URL=url, WC_STORE_URL="https://shop.example", **SHOP_KEYS)

    done = lumina(tmp_path, *command, env=env)

    assert done.returncode == 2
    line = only_line(done.stderr)
    assert line.startswith("Configuration error: DATABASE_URL")
    assert says in line
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["sync"]], ids=" ".join)
def test_a_store_url_without_its_scheme_is_one_line_naming_wc_store_url(tmp_path: Path, command: list[str]) -> None:
    env = base_environment(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'lumina.db'}", WC_STORE_URL="shop.example.com", **SHOP_KEYS
    )

    done = lumina(tmp_path, *command, env=env)

    assert done.returncode == 2
    line = only_line(done.stderr)
    assert "WC_STORE_URL must be the shop's address with its scheme" in line
    assert "1111" not in done.stderr + done.stdout
    assert not (tmp_path / "lumina.db").exists()  # nothing is created before every setting is checked


def sync_against(tmp_path: Path, store_url: str) -> tuple[str, str]:
    env = base_environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'lumina.db'}", WC_STORE_URL=store_url,
                           **SHOP_KEYS)  # fmt: skip
    done = lumina(tmp_path, "sync", env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = [line for line in messages(done.stderr) if line.startswith("shop 1:")]
    return line, done.stderr


def test_https_to_a_plain_http_port_says_so_and_is_not_retried(tmp_path: Path, not_a_shop_url: str) -> None:
    line, logs = sync_against(tmp_path, not_a_shop_url.replace("http://", "https://"))

    assert "The shop answered in plain HTTP, not TLS" in line
    assert "use http:// in the URL (WC_STORE_URL" in line
    assert "certificate" not in line
    assert "; retry " not in logs


def test_a_host_that_does_not_resolve_is_named_and_not_retried(tmp_path: Path) -> None:
    line, logs = sync_against(tmp_path, "https://no-such-shop.invalid")

    assert "The shop's host name 'no-such-shop.invalid' does not resolve" in line
    assert "WC_STORE_URL" in line
    assert "; retry " not in logs


@pytest.mark.parametrize("demo", [False, True], ids=["configured", "demo"])
def test_a_port_already_taken_is_one_line_and_no_banner(tmp_path: Path, taken_port: int, demo: bool) -> None:
    database = {} if demo else {"DATABASE_URL": f"sqlite:///{tmp_path / 'lumina.db'}"}
    env = base_environment(tmp_path, PORT=str(taken_port), DATA_DIR=str(tmp_path / "data"), **database)

    done = lumina(tmp_path, "serve", env=env)

    assert done.returncode == 2
    line = only_line(done.stderr)
    assert line == (
        f"Configuration error: PORT {taken_port} on 127.0.0.1 is already in use: stop what listens there, or "
        "choose another port (PORT=... or --port ...)."
    )
    assert done.stdout == ""  # the demo's banner never announces a port it did not get
    assert not (tmp_path / "data").exists()


def test_port_zero_takes_any_free_port_whatever_port_says(tmp_path: Path, taken_port: int) -> None:
    env = base_environment(tmp_path, PORT=str(taken_port), DATABASE_URL="sqlite:///no/such/folder/lumina.db")

    done = lumina(tmp_path, "serve", "--port", "0", env=env)

    assert done.returncode == 2
    assert "the folder no/such/folder for the SQLite file does not exist" in only_line(done.stderr)


def test_an_unknown_sync_isolation_is_one_line_naming_it(tmp_path: Path) -> None:
    env = base_environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'lumina.db'}", SYNC_ISOLATION="fork")

    done = lumina(tmp_path, "serve", "--port", "0", env=env)

    assert done.returncode == 2
    assert only_line(done.stderr) == "Configuration error: SYNC_ISOLATION: Input should be 'process' or 'thread'"
