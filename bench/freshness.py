"""Freshness benchmark: from the moment the shop delivers a webhook to the change being visible in
`GET /api/v1/orders/{id}` and to its `order` event on the family's SSE stream; and how lost deliveries heal.

    .venv/bin/python bench/freshness.py --changes 300 --lost 0.1

The simulated shop runs in this process (so that the moment it posts each delivery is known exactly: its
`resolve_url` hook is called right before the POST, on its single delivery thread); the service runs as a
separate `lumina serve` process on a SQLite file with PUBLIC_URL set, SYNC_INTERVAL=1, so it registers its
webhooks at start-up like a production install. Changes are made one at a time (a status change of a random
order, each order once), each waited for before the next: API visibility is polled every 2 ms from the delivery
moment, the SSE event's arrival is taken from a reader of the stream. `--lost` of the deliveries go to a closed
port instead (the shop records a failure); those orders must be right after the next sync cycle, which is waited
for and timed from the delivery. Finally the shop requests of one quiet cycle are counted (the listing, the
deletion count check and the webhooks' check).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from woosim import ShopConfig, ShopServer, SimulatedShop

STATUSES = ("processing", "on-hold", "completed")
PASSWORD = "bench-password-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class DeliveryClock:
    """Times the shop's delivery posts; a share of them is sent to a closed port (lost)."""

    def __init__(self, lost: float, seed: int) -> None:
        self.lost = lost
        self.random = random.Random(seed)
        self.posted: list[tuple[float, bool]] = []  # (monotonic time, lost), in delivery order
        self.event = threading.Condition()

    def wait_beyond(self, count: int) -> None:
        with self.event:
            self.event.wait_for(lambda: len(self.posted) > count, 10)

    def resolve(self, url: str) -> str:
        lost = self.random.random() < self.lost
        with self.event:
            self.posted.append((time.monotonic(), lost))
            self.event.notify_all()
        return "http://127.0.0.1:9/lost" if lost else url


class EventLog:
    """Arrival times of the stream's `order` events, by (order id, status)."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[int, str], float] = {}
        self.changed = asyncio.Event()

    async def read(self, http: httpx.AsyncClient, url: str) -> None:
        async with http.stream("GET", url, timeout=None) as response:
            kind = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:") and kind == "order":
                    data = json.loads(line[5:])
                    self.arrived.setdefault((int(data["id"]), str(data["status"])), time.monotonic())
                    self.changed.set()


def lumina(env: dict[str, str], *args: str) -> str:
    command = [str(Path(sys.executable).with_name("lumina")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def start_service(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A family and its admin, then `lumina serve` (which links the family to the WC_* shop and syncs it)."""
    lumina(env, "db", "upgrade")
    lumina(env, "families", "create", "Bench")
    lumina(env, "users", "create", "--family", "1", "--email", "bench@example.com", "--name", "Bench",
           "--role", "admin", "--password", PASSWORD)  # fmt: skip
    return subprocess.Popen([str(Path(sys.executable).with_name("lumina")), "serve"], env=env)


async def wait_for(check: object, within: float, step: float = 0.002) -> float | None:
    """Poll the async `check` until true; the monotonic time it was first seen true, or None."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return time.monotonic()
        await asyncio.sleep(step)
    return None


async def run(args: argparse.Namespace) -> None:
    clock = DeliveryClock(args.lost, args.seed)
    shop = SimulatedShop(ShopConfig(seed=args.seed, order_count=args.orders, days=20, webhook_delay=0.05))
    shop.webhooks.resolve_url = clock.resolve
    workdir = Path(tempfile.mkdtemp(prefix="lumina-freshness-"))
    port = free_port()
    with ShopServer(shop) as server:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'lumina.db'}",
            "DATA_DIR": str(workdir),
            "LUMINA_ENV": "development",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "WC_STORE_URL": server.base_url,
            "WC_CONSUMER_KEY": shop.read_write_key.consumer_key,
            "WC_CONSUMER_SECRET": shop.read_write_key.consumer_secret,
            "SYNC_INTERVAL": "1",
            "SYNC_REQUESTS_PER_SECOND": "1000",
            "ALLOW_PRIVATE_SHOP_URLS": "true",  # the simulated shop is on loopback
            "LOG_LEVEL": "WARNING",
            "ORDERS_CACHE_SECONDS": "1.5",
        }
        service = await asyncio.to_thread(start_service, env)
        try:
            await measure(args, shop, clock, env, port, workdir)
        finally:
            service.terminate()
            service.wait(timeout=30)


async def measure(
    args: argparse.Namespace, shop: SimulatedShop, clock: DeliveryClock, env: dict[str, str], port: int, workdir: Path
) -> None:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while True:
            try:
                login = await http.post("/api/v1/auth/login", json={"email": "bench@example.com", "password": PASSWORD})
                if login.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}

        async def synced() -> bool:
            status = (await http.get("/api/v1/orders/sync/status", headers=headers)).json()
            active = [h for h in shop.webhooks.all() if h.status == "active"]
            return bool(status.get("syncJob", {}).get("lastRun")) and len(active) == 4

        assert await wait_for(synced, 120, 0.2), "the first sync or the registration did not finish"
        with sqlite3.connect(workdir / "lumina.db") as db:
            ids = dict(db.execute("SELECT woocommerce_order_id, id FROM cached_orders WHERE is_visible"))
        candidates = [order_id for order_id in ids if shop.get_order(order_id)["status"] in STATUSES]

        ticket = (await http.post("/api/v1/orders/events/ticket", headers=headers)).json()
        events = EventLog()
        reader = asyncio.create_task(events.read(http, ticket["url"]))
        await asyncio.sleep(0.2)

        api: list[float] = []
        sse: list[float] = []
        lost: list[tuple[int, str, float]] = []
        rng = random.Random(args.seed)
        for order_id in rng.sample(candidates, min(args.changes, len(candidates))):  # each order changed once
            status = rng.choice([s for s in STATUSES if s != shop.get_order(order_id)["status"]])
            posted_before = len(clock.posted)
            shop.update_order(order_id, status=status)
            await asyncio.to_thread(clock.wait_beyond, posted_before)
            delivered, was_lost = clock.posted[posted_before]
            if was_lost:
                lost.append((order_id, status, delivered))
                continue

            async def visible(order_id: int = order_id, status: str = status) -> bool:
                answer = await http.get(f"/api/v1/orders/{ids[order_id]}", headers=headers)
                return answer.status_code == 200 and answer.json()["order"]["status"] == status

            seen = await wait_for(visible, 30)
            assert seen is not None, f"order {order_id} never showed {status}"
            api.append(seen - delivered)

            async def heard(order_id: int = order_id, status: str = status) -> bool:
                return (order_id, status) in events.arrived

            assert await wait_for(heard, 30) is not None, f"no event for order {order_id}"
            sse.append(events.arrived[(order_id, status)] - delivered)

        healed: list[float] = []
        for order_id, status, delivered in lost:

            async def right(order_id: int = order_id, status: str = status) -> bool:
                answer = await http.get(f"/api/v1/orders/{ids[order_id]}", headers=headers)
                return answer.json()["order"]["status"] == status

            seen = await wait_for(right, 150, 0.05)
            healed.append(seen - delivered if seen is not None else float("inf"))
        reader.cancel()

        before = shop.request_counts.get("total", 0)
        runs_before = (await http.get("/api/v1/orders/sync/status", headers=headers)).json()["syncJob"]["lastRun"]

        async def next_cycle() -> bool:
            last = (await http.get("/api/v1/orders/sync/status", headers=headers)).json()["syncJob"]["lastRun"]
            return bool(last) and last.get("runId") != runs_before.get("runId")

        await wait_for(next_cycle, 120, 0.2)
        quiet_requests = shop.request_counts.get("total", 0) - before

    ms = 1000.0
    print(f"changes {args.changes}, orders {args.orders}, deliveries lost {len(lost)} ({args.lost:.0%} asked)")
    for name, samples in (("GET /orders/{id}", api), ("SSE event", sse)):
        p50, p95, worst = percentile(samples, 0.5) * ms, percentile(samples, 0.95) * ms, max(samples) * ms
        print(f"delivery -> {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms (n={len(samples)})")
    unhealed = sum(1 for value in healed if value == float("inf"))
    finite = [value for value in healed if value != float("inf")] or [0.0]
    print(f"lost deliveries healed by the next cycle: {len(healed) - unhealed}/{len(healed)}, "
          f"after {statistics.median(finite):.1f} s median, {max(finite):.1f} s at most (SYNC_INTERVAL=1)")  # fmt: skip
    print(f"shop requests of the following cycle (nothing changed): {quiet_requests}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--lost", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
