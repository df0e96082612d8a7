"""Reading the recorded exchanges with the real store, and comparing responses by what matters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from tests.paths import RECORDED

BEFORE_DATASET = RECORDED / "dataset-all-orders-before-mutations.json"
AFTER_DATASET = RECORDED / "dataset-all-orders-after-mutations.json"
HOME = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class Exchange:
    name: str
    data: dict[str, Any]

    @property
    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = self.data["request"]
        return request

    @property
    def response(self) -> dict[str, Any]:
        response: dict[str, Any] = self.data["response"]
        return response

    @property
    def sent_at(self) -> float:
        """The store's clock when it answered (its Date header)."""
        date = self.header("Date")
        assert date is not None
        return parsedate_to_datetime(date).timestamp()

    @property
    def requested_at(self) -> float:
        """When the request was sent by the recorder's clock (recorded_at is when the answer arrived)."""
        done = datetime.fromisoformat(self.data["recorded_at_utc"]).timestamp()
        return done - float(self.data.get("elapsed_seconds") or 0)

    def header(self, name: str) -> str | None:
        for key, value in self.response["headers"]:
            if key.lower() == name.lower():
                return str(value)
        return None


def exchange_files() -> list[str]:
    """Every recorded request/response exchange (webhook deliveries and data dumps are not exchanges)."""
    names = []
    for path in sorted(RECORDED.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "request" in data and "response" in data:
            names.append(path.stem)
    assert names, f"no recorded exchanges under {RECORDED}: the conformance tests would silently test nothing"
    return names


def load_exchange(name: str) -> Exchange:
    return Exchange(name, json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8")))


def shape(value: Any) -> Any:
    """Keys (in order) and value types, recursively; list elements one by one."""
    if isinstance(value, dict):
        return {"{}": [(k, shape(v)) for k, v in value.items()]}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def first_difference(actual: Any, expected: Any, path: str = "$") -> str | None:
    """Where two JSON values' shapes first differ (None when they have the same shape)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(actual) != list(expected):
            missing = [k for k in expected if k not in actual]
            extra = [k for k in actual if k not in expected]
            return f"{path}: keys differ (missing {missing}, extra {extra}, or order)"
        for k in expected:
            found = first_difference(actual[k], expected[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(actual) != len(expected):
            return f"{path}: {len(actual)} items, recorded {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found = first_difference(a, e, f"{path}[{i}]")
            if found:
                return found
        return None
    if type(actual) is not type(expected):
        return (
            f"{path}: {type(actual).__name__} ({actual!r:.60}), recorded {type(expected).__name__} ({expected!r:.60})"
        )
    return None
