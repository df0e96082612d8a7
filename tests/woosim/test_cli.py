"""`woosim serve` as the demo and benchmarks start it: a real process on a loopback port."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from woosim.cli import build_parser, config_from


def _serve(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "woosim.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not any(line.strip().startswith("read-only key") for line in lines):
        line = process.stdout.readline()
        if not line:
            process.wait(5)
            pytest.fail("woosim serve exited: " + "".join(lines))
        lines.append(line)
    return process, lines


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    code = process.wait(10)
    if process.stdout is not None:
        process.stdout.close()
    return code


def test_serve_prints_url_and_keys_and_serves(tmp_path: Path) -> None:
    process, lines = _serve("--orders", "150", "--seed", "3", "--timezone", "Europe/Berlin", "--latency-ms", "5",
                            "--key", "ck_demo", "--secret", "cs_demo")  # fmt: skip
    try:
        url = lines[0].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert "ck_demo cs_demo" in "".join(lines)
        health = httpx.get(url + "/__woosim/health").json()
        assert health["orders"] == 150
        query = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"}
        assert httpx.get(url + "/wp-json/wc/v3/orders", params=query).status_code == 401  # keys need HTTPS
    finally:
        assert _stop(process) == 0


def test_serve_https_writes_the_test_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    process, lines = _serve("--orders", "50", "--https", "--ca-out", str(ca), "--key", "ck_demo", "--secret", "cs_demo")
    try:
        url = lines[0].rsplit(" ", 1)[1].strip()
        assert url.startswith("https://127.0.0.1:")
        query: dict[str, str | int] = {"consumer_key": "ck_demo", "consumer_secret": "cs_demo", "per_page": 1}
        response = httpx.get(url + "/wp-json/wc/v3/orders", params=query, verify=ssl.create_default_context(cafile=ca))
        assert response.status_code == 200
    finally:
        assert _stop(process) == 0


def test_key_and_secret_go_together() -> None:
    args = build_parser().parse_args(["serve", "--key", "ck_only"])
    with pytest.raises(SystemExit):
        config_from(args)
