"""The queue's tests: settings in queue mode, an empty queue, and `lumina worker` processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import ShopSyncState, SyncRun
from tests.lumina.jobs.processes import ROOT, environment

QUEUE_TABLES = ", ".join(
    f"procrastinate.procrastinate_{name}" for name in ("jobs", "events", "periodic_defers", "workers")
)


async def empty_queue(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(text(f"TRUNCATE {QUEUE_TABLES} CASCADE"))


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
