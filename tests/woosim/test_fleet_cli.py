"""`woosim serve --shops N` as a harness starts it: one process, one port, a manifest of every shop's URL and keys."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.woosim.helpers import OAuth1
from woosim import ApiKey
from woosim.cli import build_parser, fleet_from


def test_serve_shops_writes_a_manifest_whose_urls_and_keys_work(tmp_path: Path) -> None:
    manifest = tmp_path / "fleet.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "woosim.cli", "serve", "--port", "0", "--shops", "500", "--orders-per-shop", "20",
         "--seed", "9", "--manifest", str(manifest)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        lines = []
        while not any("manifest:" in line for line in lines):
            line = process.stdout.readline()
            if not line:
                pytest.fail("woosim serve exited: " + "".join(lines))
            lines.append(line)
        assert "cs_" not in "".join(lines)  # the secrets are in the file only
        assert manifest.stat().st_mode & 0o077 == 0
        shops = json.loads(manifest.read_text())["shops"]
        assert [shop["number"] for shop in shops] == list(range(1, 501))
        assert len({shop["consumer_key"] for shop in shops}) == 500
        last = shops[-1]
        assert last["url"].endswith("/shop/500")
        key = ApiKey(last["consumer_key"], last["consumer_secret"])
        answer = httpx.get(last["api_url"] + "/orders", auth=OAuth1(key, time.time))
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-wp-total"] == "20"
        assert httpx.get(last["control_url"] + "health").json()["home_url"] == last["url"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        process.stdout.close()


@pytest.mark.parametrize("extra", [["--key", "ck_a", "--secret", "cs_b"], ["--home-url", "http://x"], ["--shops", "0"]])
def test_serve_shops_refuses_what_only_a_single_shop_takes(extra: list[str]) -> None:
    args = build_parser().parse_args(["serve", "--shops", "2", *extra])
    with pytest.raises(SystemExit):
        fleet_from(args)
