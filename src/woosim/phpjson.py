"""JSON exactly as PHP's json_encode writes it for WordPress: compact, `/` escaped, non-ASCII as \\uXXXX.

Webhook signatures are computed over these exact bytes, so the escaping is part of the contract.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    # A "/" can only occur inside JSON strings, so a plain replace is exact.
    return text.replace("/", "\\/").encode("ascii")
