"""Backfill benchmark: a first sync of a simulated shop of N orders, with a given latency per request and
concurrency, into a fresh database. Prints orders per second, requests, the ratio of wall time to the latency
bound (requests x latency / concurrency), and memory.

    .venv/bin/python bench/backfill.py --orders 20000 --latency-ms 100 --concurrency 4
    .venv/bin/python bench/backfill.py --orders 5000 --latency-ms 100 --concurrency 4 --database-url postgresql://...
    .venv/bin/python bench/backfill.py --orders 200000 --latency-ms 20 --databases sqlite,postgresql

Rows per second are printed per part of the backfill (50,000 orders, or a quarter of a smaller run), with the last
part's rate over the first's: a write that slows as the table grows shows there. `--databases` runs the same
backfill on each database in turn (a fresh PostgreSQL database on LUMINA_BENCH_PG, dropped after) and prints the
ratio of their wall times.

The shop runs in its own process (`woosim serve --pregenerate`), so its work (rendering JSON pages) does not compete
with the sync for this process's interpreter lock; the machine's cores are still shared. Its orders are generated
before it starts serving, as a real shop's orders exist before a sync asks for them: what it does per request is
what PHP does, render the page. The client runs without the polite request rate (SYNC_REQUESTS_PER_SECOND) that a
real shop gets: the figure measured is the engine's, not the politeness limit's. Memory: peak resident size of this
process before and after the sync (ru_maxrss), and with --tracemalloc the peak of Python allocations during the
sync (tracemalloc slows the run down: use it on its own).

CPU per order: the sync process's CPU (every thread) per order mirrored, beside the floor, the CPU orjson alone takes
to decode the same orders' JSON. After the sync the shop lists the orders again, in pages of the sync's size and
with the same fields, and each page's body is decoded on its own (the least of three tries, thread CPU time): the
bytes must be parsed whatever the engine does with them. The run's bound is the larger of the latency bound and the
CPU bound: the sync's CPU or the shop's (each one interpreter), both together over the machine's cores, or all the
machine's busy CPU over its cores (/proc/stat: the database server's too, and anything else running). The
figures are printed before the shop is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import asyncpg
import httpx
import orjson

from lumina.config import Environment, Settings
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.db.migrate import upgrade
from lumina.kit.crypto import SecretBox, key_hint
from lumina.kit.heap import settle_after_startup
from lumina.models import Family, FamilyShop, ShopConnection, SyncTrigger
from lumina.sync import SyncCoordinator, SyncOptions, SyncResult
from lumina.sync.reader import PER_PAGE
from lumina.woocommerce import (
    ORDER_STATUSES,
    AuthMode,
    ClientLimits,
    OrderQuery,
    RetryPolicy,
    WooClient,
    WooCredentials,
)
from lumina.woocommerce._auth import Authenticator

KEY = "ck_" + "b" * 40
SECRET = "cs_" + "c" * 40
ENCRYPTION_KEY = "bench-encryption-key-0123456789abcdef0123456789"
PG_SERVER = os.environ.get("LUMINA_BENCH_PG", "postgres@127.0.0.1:5432")
PART_ORDERS = 50_000


def start_shop(orders: int, latency_ms: float, days: int, *, niceness: int = 0) -> tuple[subprocess.Popen[str], str]:
    """The simulated shop in its own process; at `niceness` from its start, so that every thread it starts has it
    (Linux keeps a niceness per thread: renicing the process's id afterwards reaches its first thread only)."""
    woosim = Path(sys.executable).with_name("woosim")
    command = [
        *(["nice", "-n", str(niceness)] if niceness else []),
        str(woosim), "serve", "--port", "0", "--orders", str(orders), "--days", str(days),
        "--latency-ms", str(latency_ms), "--timezone", "Pacific/Kiritimati", "--key", KEY, "--secret", SECRET,
        "--pregenerate",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"serving (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise SystemExit("woosim did not start")


def bench_client(url: str, concurrency: int, requests_per_second: float | None = None) -> WooClient:
    """A client of a simulated shop, without the polite request rate a real shop gets unless one is given."""
    return WooClient(
        url,
        WooCredentials(KEY, SECRET),
        auth_mode=AuthMode.AUTO,
        limits=ClientLimits(max_concurrency=concurrency, requests_per_second=requests_per_second, timeout=60.0),
        retry=RetryPolicy(),
    )


def bench_coordinator(
    context: ServiceContext, concurrency: int, days: int, requests_per_second: float | None = None
) -> SyncCoordinator:
    """Syncs of the simulated shops, without the polite request rate a real shop gets unless one is given."""

    def client_factory(row: ShopConnection) -> WooClient:
        return bench_client(row.url, concurrency, requests_per_second)

    options = SyncOptions.from_settings(context.settings, concurrency=concurrency, days_back=days + 1)
    return SyncCoordinator(context, client_factory=client_factory, options=options, lease_ttl=timedelta(minutes=5))


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """Another process's CPU so far (user + system), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """The CPU every core spent busy so far (user, nice, system, interrupts; not idle, not stolen by the host), from
    /proc/stat (Linux): with the sync's and the shop's, what the rest of the machine took, the database server's
    among it."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def thread_cpu_seconds() -> dict[int, float]:
    """Each live thread's CPU so far (user + system) by native id, from /proc (Linux)."""
    seconds: dict[int, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:  # ended since the listing
            continue
        seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def thread_kind(thread: threading.Thread) -> str:
    """Where a thread's CPU belongs: the event loop, the worker threads that decode and parse the shop's pages, or
    the database's threads (aiosqlite runs each SQLite connection in a thread of its own)."""
    if thread is threading.main_thread():
        return "event loop"
    if thread.name.startswith("asyncio_"):
        return "decode and parse threads"
    if getattr(getattr(thread, "_target", None), "__module__", "") == "aiosqlite.core":
        return "SQLite threads"
    return "other threads"


def cpu_by_kind(before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    """CPU spent between two `thread_cpu_seconds` readings, by `thread_kind`; threads ended since are not seen."""
    kinds = {thread.native_id: thread_kind(thread) for thread in threading.enumerate()}
    spent: dict[str, float] = {}
    for native_id, seconds in after.items():
        kind = kinds.get(native_id, "other threads")
        spent[kind] = spent.get(kind, 0.0) + seconds - before.get(native_id, 0.0)
    return spent


def stop_shop(process: subprocess.Popen[str]) -> None:
    """Stop the shop, by force when a loaded machine keeps it unwinding for long (the figures are printed already)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True, slots=True)
class DecodeFloor:
    orders: int
    bytes: int
    cpu: float  # seconds


async def decode_floor(url: str) -> DecodeFloor:
    """The CPU orjson alone takes to decode every order of the shop, listed as the sync lists them (every status,
    full orders, pages of PER_PAGE); each page decoded three times, its least CPU counted."""
    auth = Authenticator(WooCredentials(KEY, SECRET), AuthMode.AUTO.resolve("http"), url)
    orders = size = 0
    cpu = 0.0
    async with httpx.AsyncClient(timeout=60.0) as http:
        for page in range(1, 10**9):
            query = OrderQuery(orderby="id", statuses=ORDER_STATUSES, per_page=PER_PAGE, page=page)
            address, headers = auth.prepare("GET", "/wp-json/wc/v3/orders", query.to_params())
            answer = await http.get(address, headers=headers)
            answer.raise_for_status()
            body = answer.content
            costs = []
            for _ in range(3):
                began = time.thread_time()
                decoded = orjson.loads(body)
                costs.append(time.thread_time() - began)
            orders, size, cpu = orders + len(decoded), size + len(body), cpu + min(costs)
            if len(decoded) < PER_PAGE:
                return DecodeFloor(orders, size, cpu)
    raise AssertionError("unreachable")


def report_cpu(mirrored: int, sync_cpu: float, shop_cpu: float, machine_cpu: float, floor: DecodeFloor,
               latency_bound: float, wall: float) -> None:  # fmt: skip
    """CPU per order against the decode floor, and the bound that binds: latency, or one of the CPU bounds."""
    cores = os.cpu_count() or 1
    per_order, floor_per_order = sync_cpu / max(mirrored, 1), floor.cpu / max(floor.orders, 1)
    ratio = per_order / floor_per_order if floor_per_order else float("inf")
    print(f"CPU per order:     sync {1e6 * per_order:.0f} µs, orjson decode floor {1e6 * floor_per_order:.1f} µs "
          f"({floor.orders} orders, {floor.bytes / 2**20:.1f} MB), ratio {ratio:.1f}x")  # fmt: skip
    bounds = {
        "latency": latency_bound,
        "the sync's CPU": sync_cpu,
        "the shop's CPU": shop_cpu,
        f"both processes' CPU on {cores} cores": (sync_cpu + shop_cpu) / cores,
        f"the machine's CPU on {cores} cores": machine_cpu / cores,
    }
    binding = max(bounds, key=lambda name: bounds[name])
    print(f"bound:             {bounds[binding]:.2f} s, set by {binding} "
          f"({', '.join(f'{name} {value:.2f} s' for name, value in bounds.items())})")  # fmt: skip
    print(f"wall / bound:      {wall / bounds[binding]:.3f}" if bounds[binding] else "wall / bound:      n/a")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class PartRates:
    """Rows per second per part of the backfill, from the sync's progress reports (one per page written)."""

    def __init__(self, orders: int) -> None:
        self.part = PART_ORDERS if orders >= 4 * PART_ORDERS else max(orders // 4, 1)
        self.marks: list[tuple[int, float]] = []

    def started(self, shop_id: int, shop_name: str) -> None:
        self.marks = [(0, time.monotonic())]

    def advanced(self, shop_id: int, processed: int, total: int | None) -> None:
        if processed >= self.marks[-1][0] + self.part:
            self.marks.append((processed, time.monotonic()))

    def finished(self, result: SyncResult) -> None:
        if result.processed > self.marks[-1][0]:
            self.marks.append((result.processed, time.monotonic()))

    def report(self) -> str:
        parts = [(before, done, (done - before) / (at - began)) for (before, began), (done, at) in pairwise(self.marks)]
        if not parts:
            return "n/a"
        shown = ", ".join(f"{before // 1000}k-{done // 1000}k {rate:.0f}" for before, done, rate in parts)
        return f"{shown} (last / first: {parts[-1][2] / parts[0][2]:.2f})"


async def run(args: argparse.Namespace) -> float:
    started = time.monotonic()
    shop_process, url = start_shop(args.orders, args.latency_ms, args.days)
    print(f"shop: {args.orders} orders, {args.latency_ms:g} ms latency, ready in {time.monotonic() - started:.1f} s")
    try:
        return await sync_and_report(args, shop_process, url)
    finally:
        stop_shop(shop_process)


async def sync_and_report(args: argparse.Namespace, shop_process: subprocess.Popen[str], url: str) -> float:
    workdir = Path(tempfile.mkdtemp(prefix="lumina-bench-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        lumina_env=Environment.TEST,
        database_url=database_url,
        data_dir=workdir,
        encryption_key=ENCRYPTION_KEY,
        jwt_secret=ENCRYPTION_KEY,
        sync_max_concurrency=args.concurrency,
    )
    database = Database(settings.async_database_url)
    try:
        await upgrade(database)
        box = SecretBox(ENCRYPTION_KEY)
        async with database.transaction() as session:
            shop = ShopConnection(name="bench", url=url, consumer_key_encrypted=box.encrypt(KEY),
                                  consumer_secret_encrypted=box.encrypt(SECRET), key_hint=key_hint(KEY))  # fmt: skip
            family = Family(name="Bench family")
            session.add_all([shop, family])
            await session.flush()
            session.add(FamilyShop(family_id=family.id, shop_id=shop.id))
        context = ServiceContext(settings=settings, database=database, secret_box=box, jwt_secret=ENCRYPTION_KEY)

        coordinator = bench_coordinator(context, args.concurrency, args.days)
        settle_after_startup()  # as the service and `lumina sync` do
        rss_before = rss_mb()
        if args.tracemalloc:
            tracemalloc.start()
        cpu_before, shop_cpu_before = cpu_seconds(), process_cpu_seconds(shop_process.pid)
        machine_cpu_before = machine_cpu_seconds()
        threads_before = thread_cpu_seconds()
        began = time.monotonic()
        rates = PartRates(args.orders)
        result = await coordinator.sync_shop(shop.id, trigger=SyncTrigger.CLI, progress=rates)
        wall = time.monotonic() - began
        sync_cpu = cpu_seconds() - cpu_before
        by_kind = cpu_by_kind(threads_before, thread_cpu_seconds())
        shop_cpu = process_cpu_seconds(shop_process.pid) - shop_cpu_before
        machine_cpu = machine_cpu_seconds() - machine_cpu_before
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        if args.tracemalloc:
            tracemalloc.stop()
        rss_after = rss_mb()
    finally:
        await database.dispose()

    if result.status != "succeeded":
        raise SystemExit(f"the sync did not succeed: {result.error}")
    bound = result.requests * (args.latency_ms / 1000) / args.concurrency
    print(f"database: {database.engine.dialect.name}, concurrency {args.concurrency}")
    print(f"orders mirrored:   {result.created} (processed {result.processed})")
    print(f"requests:          {result.requests} ({result.created / max(result.requests, 1):.1f} orders per request)")
    print(f"wall time:         {wall:.2f} s")
    print(f"orders per second: {result.created / wall:.0f}")
    print(f"rows/s per {rates.part // 1000}k:   {rates.report()}")
    print(f"latency bound:     {bound:.2f} s (requests x latency / concurrency)")
    print(f"CPU:               sync process {sync_cpu:.2f} s ({1000 * sync_cpu / result.requests:.1f} ms per request), "
          f"shop process {shop_cpu:.2f} s during the sync ({os.cpu_count()} cores)")  # fmt: skip
    busy = machine_cpu / (wall * (os.cpu_count() or 1))
    print(f"machine:           {machine_cpu:.2f} s of CPU during the sync, {100 * busy:.0f} % of its cores; "
          f"besides the sync and the shop {machine_cpu - sync_cpu - shop_cpu:.2f} s "
          f"(the database server's, other processes')")  # fmt: skip
    report_cpu(result.created, sync_cpu, shop_cpu, machine_cpu, await decode_floor(url), bound, wall)
    by_kind["threads ended during the sync"] = sync_cpu - sum(by_kind.values())
    print("sync CPU by thread: " + ", ".join(
        f"{kind} {1e6 * seconds / max(result.created, 1):.0f} µs" for kind, seconds in sorted(by_kind.items())
    ) + " per order")  # fmt: skip
    print(f"peak RSS:          {rss_after:.0f} MB (before the sync {rss_before:.0f} MB, +{rss_after - rss_before:.0f})")
    if traced_peak is not None:
        print(f"peak traced:       {traced_peak:.1f} MB of Python allocations during the sync")
    if not args.database_url:
        print(f"database file:     {database_size_mb(workdir):.0f} MB")
    shutil.rmtree(workdir, ignore_errors=True)
    return wall


def database_size_mb(workdir: Path) -> float:
    return sum(path.stat().st_size for path in workdir.glob("bench.db*")) / 2**20


async def admin_sql(statement: str) -> None:
    connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def compare(args: argparse.Namespace) -> None:
    """The same backfill on each database in turn, and the ratio of their wall times to the first's."""
    walls: dict[str, float] = {}
    for name in args.databases.split(","):
        print(f"--- {name}")
        if name == "sqlite":
            walls[name] = await run(argparse.Namespace(**{**vars(args), "database_url": ""}))
            continue
        database = f"bench_backfill_{os.getpid()}"
        await admin_sql(f'CREATE DATABASE "{database}"')
        url = f"postgresql+asyncpg://{PG_SERVER}/{database}"
        try:
            walls[name] = await run(argparse.Namespace(**{**vars(args), "database_url": url}))
        finally:
            await admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    first, *others = walls
    for name in others:
        print(f"wall {name} / {first}: {walls[name] / walls[first]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--days", type=int, default=60, help="history of the shop; the backfill covers all of it")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--tracemalloc", action="store_true", help="measure Python allocations (slower)")
    parser.add_argument("--databases", default="", help="e.g. sqlite,postgresql: the same backfill on each, compared")
    args = parser.parse_args()
    if not set(args.databases.split(",")) <= {"", "sqlite", "postgresql"}:
        parser.error("--databases: a comma-separated list of sqlite and postgresql")
    asyncio.run(compare(args) if args.databases else run(args))


if __name__ == "__main__":
    main()
