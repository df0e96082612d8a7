"""Fleet: many simulated shops in one process, for tests and benchmarks that need hundreds of shops.

Each shop has its own seed (so its own keys and orders), clock, faults and request counts, and lives under its own
path prefix, `/shop/N`, as a WordPress site installed in a subdirectory does. A shop's orders are generated on its
first use: keys come from the seed alone, so a harness can register 500 shops before any of them is built.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from woosim.config import ApiKey, ShopConfig
from woosim.shop import SimulatedShop

PREFIX = "/shop/"


class Fleet:
    """Shops numbered 1..N; shop N is built from `template` with the seed `first_seed + N - 1`."""

    def __init__(self, count: int, template: ShopConfig | None = None, *, first_seed: int = 1) -> None:
        if count < 1:
            raise ValueError("a fleet has at least one shop")
        self.count = count
        self.template = template or ShopConfig()
        self.first_seed = first_seed
        self.base_url: str | None = None
        self._shops: dict[int, SimulatedShop] = {}
        self._lock = threading.Lock()

    def numbers(self) -> range:
        return range(1, self.count + 1)

    def config(self, number: int) -> ShopConfig:
        self._check(number)
        return replace(self.template, seed=self.first_seed + number - 1, home_url=None)

    def keys(self, number: int) -> tuple[ApiKey, ApiKey]:
        """The shop's read/write and read-only keys, without building it."""
        return self.config(number).keys()

    def home_url(self, number: int) -> str:
        if self.base_url is None:
            raise RuntimeError("the fleet is not served yet")
        self._check(number)
        return f"{self.base_url}{PREFIX}{number}"

    def shop(self, number: int) -> SimulatedShop:
        """Shop `number`, built on first use."""
        self._check(number)
        with self._lock:
            shop = self._shops.get(number)
            if shop is None:
                shop = self._shops[number] = SimulatedShop(self.config(number))
                if self.base_url is not None:
                    shop.bind_home(self.home_url(number))
            return shop

    def is_built(self, number: int) -> bool:
        return number in self._shops

    def bind(self, base_url: str) -> None:
        """Called by the server that serves the fleet: every shop's home is below its address."""
        with self._lock:
            self.base_url = base_url.rstrip("/")
            for number, shop in self._shops.items():
                shop.bind_home(self.home_url(number))

    def built(self) -> list[tuple[int, SimulatedShop]]:
        """The shops built so far, by number."""
        with self._lock:
            return sorted(self._shops.items())

    def _check(self, number: int) -> None:
        if not 1 <= number <= self.count:
            raise KeyError(f"no shop {number} in a fleet of {self.count}")

    def close(self) -> None:
        for _, shop in self.built():
            shop.close()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
