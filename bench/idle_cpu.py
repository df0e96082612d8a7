"""What one idle sync run (nothing changed on the shop) costs the process that runs it, the task queue left out:
CPU milliseconds, SQL statements, transactions and shop requests per run, counted in-process.

    .venv/bin/python bench/idle_cpu.py                     # 100 shops, 5 idle rounds (about a minute)
    .venv/bin/python bench/idle_cpu.py --shops 200 --rounds 9
    .venv/bin/python bench/idle_cpu.py --pause 6             # no connection kept from one round to the next

A `woosim serve --shops N` fleet answering at once (no latency) in its own process, a fresh PostgreSQL database with
the shops registered through the admin API (as `fleet.py` does), then in this process one `SyncCoordinator` syncs
every shop once (the backfill, not measured) and then `--rounds` times more, 4 shops at a time as a worker does, on
the event loop `lumina worker` runs (uvloop), each round timed with `time.process_time()` (this process only: the
shops and PostgreSQL are other processes).
Statements and transactions are SQLAlchemy's own events; requests are the runs' counts. `fleet.py` gives the
worker's whole cost per idle shop (the queue's job included) and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.logging import configure_logging
from lumina.models import SyncTrigger
from lumina.queue.worker import event_loop_factory
from lumina.sync import SyncCoordinator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet  # the fleet and the registration are fleet.py's

SHOPS_AT_ONCE = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5, help="idle rounds over every shop (medians printed)")
    parser.add_argument("--orders-per-shop", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds between rounds, untimed: past the shops' keep-alive (5 s) no run finds its "
                        "client's connection still open, as between a worker's cycles")  # fmt: skip
    return parser.parse_args()


async def measure(rounds: int, pause: float) -> list[tuple[float, float, float, float]]:
    """Per round and per run: CPU ms, statements, transactions, shop requests."""
    configure_logging("INFO", "json")
    context = ServiceContext.from_settings(Settings())
    counts = {"statements": 0, "transactions": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def transaction(*_: Any) -> None:
        counts["transactions"] += 1

    engine = context.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", transaction)
    coordinator = SyncCoordinator(context)
    async with context.database.transaction() as session:
        shop_ids = list(await session.scalars(text("SELECT id FROM shop_connections ORDER BY id")))
    gate = asyncio.Semaphore(SHOPS_AT_ONCE)

    async def one(shop_id: int) -> int:
        async with gate:
            return (await coordinator.sync_shop(shop_id, trigger=SyncTrigger.SCHEDULE)).requests

    await asyncio.gather(*(one(shop_id) for shop_id in shop_ids))  # the backfill
    figures = []
    for _ in range(rounds):
        await asyncio.sleep(pause)
        counts.update(statements=0, transactions=0)
        started = time.process_time()
        requests = await asyncio.gather(*(one(shop_id) for shop_id in shop_ids))
        cpu = time.process_time() - started
        runs = len(shop_ids)
        figures.append((cpu * 1000 / runs, counts["statements"] / runs, counts["transactions"] / runs,
                        sum(requests) / runs))  # fmt: skip
    await coordinator.stop()  # closes the shops' kept clients (aiohttp warns of a session left open)
    await context.close()
    return figures


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lumina-bench-idle-cpu-"))
    processes = fleet.Processes(folder)
    database = f"lumina_bench_idle_cpu_{os.getpid()}"
    try:
        shops = fleet.start_fleet(
            argparse.Namespace(shops=args.shops, orders_per_shop=args.orders_per_shop, latency_ms=0.0),
            processes,
            folder,
        )
        await fleet.admin_sql(f'CREATE DATABASE "{database}"')
        env = fleet.lumina_env(database, folder / "data", **fleet.secrets_env(folder))
        password = secrets.token_urlsafe(24)
        fleet.lumina(env, "db", "upgrade")
        family = re.search(r"(\d+)", fleet.lumina(env, "families", "create", "Operators"))
        assert family is not None, "no family id printed"
        fleet.lumina(env, "users", "create", "--family", family.group(1), "--email", fleet.ADMIN_EMAIL, "--name",
                     "Operator", "--role", "admin", "--password", password)  # fmt: skip
        service = fleet.Service(processes, env, "serve")
        await service.sign_in(password)
        await fleet.register(service, shops, 16)
        await service.client.aclose()
        processes.stop([service.process])
        os.environ.clear()
        os.environ.update(env)
        figures = await measure(args.rounds, args.pause)
    finally:
        processes.stop_all()
        await fleet.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    pause = f", {args.pause:g} s apart" if args.pause else ""
    print(f"\n{args.shops} shops, {args.rounds} idle rounds{pause}, {SHOPS_AT_ONCE} shops at a time; per idle run:")
    print("  round  CPU ms  statements  transactions  requests")
    for number, (cpu, statements, transactions, requests) in enumerate(figures, 1):
        print(f"  {number:>5}  {cpu:>6.2f}  {statements:>10.1f}  {transactions:>12.1f}  {requests:>8.2f}")
    cpu, statements, transactions, requests = (statistics.median(column) for column in zip(*figures, strict=True))
    print(f"  median {cpu:>6.2f}  {statements:>10.1f}  {transactions:>12.1f}  {requests:>8.2f}")


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=event_loop_factory()) as loop:  # the event loop of `lumina worker`
        loop.run(run(parse_args()))
