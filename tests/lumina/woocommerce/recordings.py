"""Access to the real store's recordings (tests/data/woocommerce/recorded)."""

from __future__ import annotations

import json
from typing import Any

from tests.paths import RECORDED

# Keys of the throwaway store the recordings were made against (published in its README as test vectors).
READ_WRITE = ("ck_a42dd88ee755845b2ef3dffaf99550040e4c2c61", "cs_8a5cefdb92e15ea83bbfcb858879f7c7ed1e192d")
READ_ONLY = ("ck_40add244d3ee8e3885129687cdbab23207fc9d24", "cs_20e94b53eef3beea2b0eb24dff2fadfd19947895")
SECRETS = dict([READ_WRITE, READ_ONLY])


def recording(name: str) -> dict[str, Any]:
    path = RECORDED / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def recording_names(prefix: str = "") -> list[str]:
    return sorted(p.stem for p in RECORDED.glob(f"{prefix}*.json"))
