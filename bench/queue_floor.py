"""The task queue's own cost per job: worker CPU milliseconds of a `sync.shop` job that does nothing, queued and run
as the fleet's are, so that what an idle shop's run may cost on top is known (the floor under `fleet.py`'s idle
cycle).

    .venv/bin/python bench/queue_floor.py                          # 500 jobs, 2 workers, 200 ms a job, 3 cycles
    .venv/bin/python bench/queue_floor.py --jobs 200 --job-ms 0

A fresh PostgreSQL database migrated by `lumina db upgrade` (procrastinate's schema with it), then W worker processes
(this script with `--serve-worker`), each a procrastinate worker with `lumina worker`'s settings
(`lumina.queue.worker.worker_options`: concurrency, heartbeats, LISTEN/NOTIFY and polling as they are), its event
loop (`event_loop_factory`) and `lumina`'s logging, whose `sync.shop` task only waits `--job-ms` (an idle shop's
answer, 200 ms in `fleet.py`) and returns.
Per cycle this process queues `--jobs` shops in one batch with their queueing locks, as `POST /orders/sync/all`
does (`SyncQueue.enqueue_shops`), and waits until none is left to do. Worker CPU is user + system time of the
worker processes (/proc/PID/stat), net of what they cost idle over the same time (heartbeats, polling), measured
first; the database's transactions per job are pg_stat_database's, read after 11 s of quiet, net alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from procrastinate import JobContext

from lumina.config import Settings
from lumina.logging import configure_logging
from lumina.models import SyncTrigger
from lumina.queue.facade import QUEUE, SHOP_TASK, SyncQueue
from lumina.queue.schema import SCHEMA
from lumina.queue.worker import event_loop_factory, worker_options

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet  # processes, databases and CPU counters are fleet.py's

SCRIPT = Path(__file__).resolve()
READY = "queue floor worker ready"
_LEFT = f"SELECT count(*) AS left FROM {SCHEMA}.procrastinate_jobs WHERE status IN ('todo', 'doing')"
_KEPT = f"SELECT count(*) AS kept FROM {SCHEMA}.procrastinate_jobs"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500, help="jobs queued per cycle (one per shop id)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=4, help="as lumina worker --concurrency")
    parser.add_argument("--job-ms", type=float, default=200.0, help="how long each job waits (an idle shop's answer)")
    parser.add_argument("--cycles", type=int, default=3, help="cycles measured (medians are printed)")
    parser.add_argument("--serve-worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


async def serve_worker(concurrency: int, job_ms: float) -> None:
    """One worker process: `sync.shop` waits and returns; runs until SIGTERM."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    queue = SyncQueue(settings, max_connections=concurrency + 3)

    async def nothing(_job: JobContext, shop_id: int, trigger: str, attempt: int = 0) -> str:
        await asyncio.sleep(job_ms / 1000)
        return "succeeded"

    queue.app.task(name=SHOP_TASK, queue=QUEUE, pass_context=True)(nothing)
    await queue.open()
    options = worker_options(settings, concurrency=concurrency, queues=None, name=f"floor-{os.getpid()}")
    work = asyncio.create_task(queue.app.run_worker_async(**options))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, work.cancel)
    print(READY, flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await work
    await queue.close()


async def wait_until_done(queue: SyncQueue, workers: list[subprocess.Popen[bytes]]) -> None:
    """Until no job is left to do (polled: the cycle's end is the last job's, within 50 ms)."""
    while True:
        if not (await queue.app.connector.execute_query_one_async(_LEFT))["left"]:
            return
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("a worker stopped: see its log")
        await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lumina-bench-queue-floor-"))
    processes = fleet.Processes(folder)
    database = f"lumina_bench_queue_floor_{os.getpid()}"
    walls, cpus = [], []
    try:
        await fleet.admin_sql(f'CREATE DATABASE "{database}"')
        env = fleet.lumina_env(database, folder / "data", **fleet.secrets_env(folder))
        fleet.lumina(env, "db", "upgrade")
        command = [sys.executable, str(SCRIPT), "--serve-worker", "--worker-concurrency",
                   str(args.worker_concurrency), "--job-ms", str(args.job_ms)]  # fmt: skip
        workers = []
        for number in range(args.workers):
            process, log = processes.start(f"worker-{number}", command, env)
            fleet.wait_for_line(log, READY, process)
            workers.append(process)
        os.environ.update(env)
        queue = SyncQueue(Settings())
        await queue.open()
        try:
            await asyncio.sleep(fleet.QUIET_SECONDS)
            quiet = fleet.Sample.take(await fleet.database_counters(database), workers)
            await asyncio.sleep(fleet.QUIET_SECONDS)
            baseline = fleet.Sample.take(await fleet.database_counters(database), workers)
            background = baseline.rates_since(quiet)
            for _ in range(args.cycles):
                start = fleet.Sample.take(baseline.counters, workers)
                queued = await queue.enqueue_shops(range(1, args.jobs + 1), SyncTrigger.ADMIN)
                assert queued == args.jobs, f"{queued} of {args.jobs} jobs queued"
                await wait_until_done(queue, workers)
                end = fleet.Sample.take(baseline.counters, workers)
                walls.append(end.at - start.at)
                cpus.append(end.cpu - start.cpu - background.cpu * (end.at - start.at))
            await asyncio.sleep(fleet.QUIET_SECONDS)
            after = fleet.Sample.take(await fleet.database_counters(database), workers)
            transactions = after.counters[0] - baseline.counters[0] - background.counters[0] * (after.at - baseline.at)
            kept = int((await queue.app.connector.execute_query_one_async(_KEPT))["kept"])
        finally:
            await queue.close()
    finally:
        processes.stop_all()
        await fleet.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    jobs = args.jobs
    bound = jobs * args.job_ms / 1000 / (args.workers * args.worker_concurrency)
    print(f"\n{jobs} jobs doing nothing for {args.job_ms:g} ms, {args.workers} workers x {args.worker_concurrency}; "
          f"per cycle:")  # fmt: skip
    print("  cycle  wall s  bound s  CPU ms/job")
    for number, (wall, cpu) in enumerate(zip(walls, cpus, strict=True), 1):
        print(f"  {number:>5}  {wall:>6.2f}  {bound:>7.2f}  {cpu * 1000 / jobs:>10.2f}")
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"  median {wall:>6.2f}  {bound:>7.2f}  {cpu * 1000 / jobs:>10.2f}")
    print(f"  database transactions per job {transactions / (jobs * args.cycles):.1f}; jobs kept in the table {kept}")
    print(f"  idle workers (per second, taken off): {background.cpu * 1000:.1f} CPU ms, "
          f"{background.counters[0]:.1f} transactions")  # fmt: skip


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_worker:
        with asyncio.Runner(loop_factory=event_loop_factory()) as loop:  # the event loop of `lumina worker`
            loop.run(serve_worker(arguments.worker_concurrency, arguments.job_ms))
    else:
        started = time.monotonic()
        asyncio.run(run(arguments))
        print(f"  ({time.monotonic() - started:.0f} s in all)")
