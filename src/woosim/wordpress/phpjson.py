"""JSON as PHP's json_encode writes it for WordPress: compact, `/` escaped, non-ASCII as \\uXXXX.

Webhook signatures are computed over these exact bytes, so the escaping is part of the contract. Floats are
written in their shortest round-trip form, in plain or exponent notation (neither encoder used here copies PHP's
exponents, such as 1.0e-5, which no order holds).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# What json.dumps(ensure_ascii=True) escapes: everything past "~", DEL included.
_ESCAPED = re.compile(r"[^\x00-\x7e]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps(value: Any) -> bytes:
    """Rendering a page of 100 orders is most of the simulated shop's work, and orjson does it about ten times
    faster than the standard library. orjson writes non-ASCII characters as UTF-8, which can only occur inside
    JSON strings: escaping them afterwards gives PHP's (and the standard library's) bytes. Anything orjson refuses
    (an integer key, one wider than 64 bits, half a surrogate pair) takes the standard path."""
    try:
        body = orjson.dumps(value)
    except TypeError:
        body = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")
    if not body.isascii() or b"\x7f" in body:
        body = _ESCAPED.sub(_escape, body.decode()).encode("ascii")
    return body.replace(b"/", b"\\/")  # a "/" can only occur inside JSON strings, so a plain replace is exact
