"""Faults a real shop's host inflicts, injected by rule: slowness, errors, captchas, broken bodies...

A rule matches by method and path prefix ("GET /wp-json/wc/v3/orders"), optionally a query substring, skips its
first `skip` matches, fires with `probability` (seeded, so runs repeat) and expires after `times` uses.
A "hold" rule keeps its requests waiting until `release()`, so a test can stop a client at a known point.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "status",
    "latency",
    "timeout",
    "captcha",
    "truncated_json",
    "strip_authorization",
    "shift_pages",
    "duplicate_page",
    "hold",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class FaultRule:
    """One fault. `status` and `retry_after` are for kind "status"; `latency` is the delay of a "latency" rule
    (default 0.1 s), how long a "timeout" hangs before the proxy gives up with a 504 (default 30 s) and the longest a
    "hold" waits for `release()` (default 120 s, so a forgotten hold cannot hang a run). `held` is set once a request
    waits on it."""

    kind: FaultKind
    status: int = 503
    retry_after: int | None = None
    latency: float | None = None
    times: int | None = None
    match: str = ""
    probability: float = 1.0
    skip: int = 0
    query: str = ""
    fired: int = field(default=0, compare=False)
    seen: int = field(default=0, compare=False)
    held: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)
    released: Future[None] = field(default_factory=Future, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if self.latency is None:
            self.latency = {"timeout": 30.0, "hold": 120.0}.get(self.kind, 0.1)

    def release(self) -> None:
        """Lets every request this rule holds, and every later one, go on (from any thread)."""
        with contextlib.suppress(InvalidStateError):
            self.released.set_result(None)

    async def hold(self) -> None:
        self.held.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self.released)), self.latency)

    def matches(self, method: str, path: str, raw_query: str) -> bool:
        spec = self.match.strip()
        if spec:
            verb, _, prefix = spec.partition(" ") if " " in spec else ("", "", spec)
            if verb and verb.upper() != method.upper() and not (verb.upper() == "GET" and method == "HEAD"):
                return False
            if prefix and not path.startswith(prefix):
                return False
        return not self.query or self.query in raw_query

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency": self.latency,
            "times": self.times,
            "match": self.match,
            "probability": self.probability,
            "skip": self.skip,
            "query": self.query,
            "fired": self.fired,
        }


class FaultSet:
    """The active rules; `pick` decides which ones a request meets (at most one of each kind)."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:faults")  # noqa: S311 - reproducible fault draws, not secrets

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            for rule in self._rules:
                rule.release()
            self._rules.clear()

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str, raw_query: str) -> dict[str, FaultRule]:
        chosen: dict[str, FaultRule] = {}
        with self._lock:
            for rule in list(self._rules):
                if rule.kind in chosen or not rule.matches(method, path, raw_query):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                chosen[rule.kind] = rule
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
        return chosen
