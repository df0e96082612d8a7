"""The queue's tests: settings in queue mode, an empty queue, a shop whose answer waits for the test's signal, and
`lumina worker` processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import ShopSyncState, SyncRun
from tests.lumina.jobs.processes import ROOT, environment
from woosim import ShopServer, SimulatedShop

ORDERS_PATH = "/wp-json/wc/v3/orders"
QUEUE_TABLES = ", ".join(
    f"procrastinate.procrastinate_{name}" for name in ("jobs", "events", "periodic_defers", "workers")
)


async def empty_queue(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(text(f"TRUNCATE {QUEUE_TABLES} CASCADE"))


class Gate:
    """Holds the `nth` orders request to the shop until the test opens the gate; `entered` is set when it holds."""

    def __init__(self, nth: int) -> None:
        self.nth = nth
        self.seen = 0
        self.entered = threading.Event()
        self.opened = threading.Event()
        self._lock = threading.Lock()

    def wrap(self, app: Any) -> Any:
        async def gated(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == ORDERS_PATH:
                with self._lock:
                    self.seen += 1
                    hold = self.seen == self.nth
                if hold:
                    self.entered.set()
                    await asyncio.to_thread(self.opened.wait)
            await app(scope, receive, send)

        return gated

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 90), "the shop was never asked for that page"


class GatedShop(SimulatedShop):
    """A simulated shop served through a Gate (set `gate` before its server starts)."""

    gate: Gate | None = None


class GatedServer(ShopServer):
    """Serves a GatedShop through its gate."""

    shop: GatedShop

    def build_app(self) -> Any:
        base = super().build_app()
        return self.shop.gate.wrap(base) if self.shop.gate is not None else base


def start_worker(context: ServiceContext, *args: str) -> subprocess.Popen[str]:
    lumina = Path(sys.executable).with_name("lumina")
    return subprocess.Popen(
        [str(lumina), "worker", *args],
        env=environment(
            context, SYNC_RUNNER="queue", QUEUE_WORKER_TIMEOUT="3", SYNC_INTERVAL="600", RETENTION_DAYS="0"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


async def poll(check: Any, *processes: subprocess.Popen[str], rounds: int = 3000) -> None:
    for _ in range(rounds):
        if await check():
            return
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"a worker ended early: {process.communicate()}")
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def runs_of(database: Database, shop_id: int) -> list[SyncRun]:
    async with database.transaction() as session:
        return list(
            await session.scalars(select(SyncRun).where(SyncRun.shop_id == shop_id).order_by(SyncRun.started_at))
        )


async def lease_owner(database: Database, shop_id: int) -> str | None:
    async with database.transaction() as session:
        return await session.scalar(select(ShopSyncState.lock_owner).where(ShopSyncState.shop_id == shop_id))


def pid_of(owner: str) -> int:
    return int(owner.split(":")[1])


async def shop_jobs(database: Database) -> list[tuple[int, str, int]]:
    """(job id, status, shop id) of every `sync.shop` job."""
    async with database.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT id, status::text, (args->>'shop_id')::int FROM procrastinate.procrastinate_jobs"
                " WHERE task_name = 'sync.shop' ORDER BY id"
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]


async def stop_worker(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    if process.poll() is None:
        process.send_signal(15)
    out, err = await asyncio.to_thread(process.communicate, None, 30)
    return process.returncode, out, err


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL: the worker gets no chance to clean up."""
    process.kill()
    process.communicate(timeout=30)
