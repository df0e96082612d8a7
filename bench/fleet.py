"""Fleet benchmark: N simulated shops, each answering after a latency (200 ms, a typical shared host), synced by W
`lumina worker` processes in queue mode, as an operator runs it. Prints, in one run, for each W (1, 2, 4):

- the first full cycle (every shop's backfill): wall time, shops per minute, requests per shop, worker CPU, and the
  ratio of wall time to the latency bound (shops x requests per shop x latency / total concurrency);
- the idle cycle that follows (nothing changed on any shop): shop requests, worker CPU milliseconds and database
  transactions and rows per shop, and its own ratio to the bound.

    .venv/bin/python bench/fleet.py                      # 50 shops, 200 ms, W = 1, 2, 4 (a few minutes)
    .venv/bin/python bench/fleet.py --shops 500 --workers 2,4
    .venv/bin/python bench/fleet.py --shops 200 --workers 1 --worker-concurrency 1 --latency-ms 40 --parts

What it runs, all real processes on this machine:
- `woosim serve --shops N --manifest ...`: the fleet in one process, shop k below /shop/k/ (each its own keys and
  orders, built on its first request).
- A fresh PostgreSQL database (dropped at the end): `lumina db upgrade`, a family and an administrator by the CLI,
  then `lumina serve` in queue mode, and through its admin API, as an operator would: per shop a family, the shop
  (checked against the shop by the service) and the family's link. That database is the template of one database
  per W (CREATE DATABASE ... TEMPLATE), so every W starts from the same registered, never synced shops.
- Per W: W `lumina worker --concurrency C` processes and a `lumina serve`. The workers' own schedule queues every
  shop (never synced, so due); the first cycle's wall time runs from the first run's start to the last run's end
  (worker start-up excluded). Then `--idle-cycles` (3) idle cycles, each the operator's `POST /orders/sync/all`
  timed from the request to the last run's end; their medians are printed.
- Shop requests are woosim's own counts. Worker CPU is user + system time of the worker processes (/proc/PID/stat,
  the kernel's counters that getrusage reports). PostgreSQL here has no pg_stat_statements (it needs
  shared_preload_libraries and a restart), so the database figures are pg_stat_database's transactions (commits +
  rollbacks) and rows (returned + fetched + inserted + updated + deleted) for the benchmark's database, read after
  11 s of quiet (a backend reports its counters within 10 s), minus what the same quiet time costs with nobody
  syncing (the workers' 5 s schedule ticks and heartbeats), averaged over the idle cycles. The workers' CPU in an
  idle cycle is also net of what they cost idle.

`--parts` also prints the workers' CPU per part of a job in the idle cycles (`worker_parts.py`: the queue's job, the
run's claim, the shop's request, the run's end, every statement), one job at a time.

The shops keep the service's default politeness (SYNC_REQUESTS_PER_SECOND=5 per shop): at 200 ms a request and a
few requests per shop it is never what limits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("LUMINA_BENCH_PG", "postgres@127.0.0.1:5432")
ADMIN_EMAIL = "operator@bench.example"
QUIET_SECONDS = 11.0
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class FleetShop:
    number: int
    url: str
    control_url: str
    consumer_key: str
    consumer_secret: str


@dataclass
class Cycle:
    wall: float
    requests: float
    cpu_seconds: float
    failed: int

    @classmethod
    def median(cls, cycles: list[Cycle]) -> Cycle:
        """Each figure's median over the cycles; their failed runs added up."""
        return cls(
            statistics.median(c.wall for c in cycles),
            statistics.median(c.requests for c in cycles),
            statistics.median(c.cpu_seconds for c in cycles),
            sum(c.failed for c in cycles),
        )


@dataclass
class Measured:
    workers: int
    first: Cycle
    idle: Cycle
    idle_transactions: float
    idle_rows: float
    background: Sample  # per second, with nobody syncing


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--orders-per-shop", type=int, default=250, help="orders of each shop, all in the sync window")
    parser.add_argument("--latency-ms", type=float, default=200.0, help="each shop's response time")
    parser.add_argument("--workers", default="1,2,4", help="comma list of worker counts W, one cycle pair each")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="lumina worker --concurrency")
    parser.add_argument("--idle-cycles", type=int, default=3, help="idle cycles per W (medians are printed)")
    parser.add_argument("--register-concurrency", type=int, default=16, help="admin API requests at once")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds a cycle may take before giving up")
    parser.add_argument("--parts", action="store_true",
                        help="count the workers' CPU per part of a job during the idle cycles (worker_parts.py; "
                        "needs --worker-concurrency 1)")  # fmt: skip
    args = parser.parse_args()
    if args.parts and args.worker_concurrency != 1:
        parser.error("--parts needs --worker-concurrency 1: across an await a part counts whatever else ran")
    return args


class Processes:
    """Every process the benchmark starts, each logging to its own file; all stopped (SIGTERM) at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.folder)
        self.running.append(process)
        return process, log

    def stop(self, processes: Iterable[subprocess.Popen[bytes]]) -> None:
        chosen = list(processes)
        for process in chosen:
            if process.poll() is None:
                process.terminate()
        for process in chosen:
            process.wait(30)
            self.running.remove(process)

    def stop_all(self) -> None:
        self.stop(list(self.running))


def wait_for_line(log: Path, pattern: str, process: subprocess.Popen[bytes], within: float = 120.0) -> re.Match[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found
        if process.poll() is not None:
            raise SystemExit(f"{log.stem} ended: see {log}\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
    raise SystemExit(f"nothing like {pattern!r} in {log} within {within} s")


def lumina_env(database: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WC_", "SYNC_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"postgresql://{PG_SERVER}/{database}",
        SYNC_RUNNER="queue",
        SYNC_INTERVAL="1440",  # nothing due again during the benchmark: the idle cycle is the one asked for
        SYNC_DAYS_BACK="30",
        RETENTION_DAYS="0",
        ALLOW_PRIVATE_SHOP_URLS="true",  # the simulated shops are on loopback
        DATA_DIR=str(data_dir),
        LOG_FORMAT="json",
        **extra,
    )
    return env


def lumina(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "lumina"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"lumina {' '.join(args[:2])} failed: {done.stdout}{done.stderr}")
    return done.stdout


def cpu_seconds(processes: Iterable[subprocess.Popen[bytes]]) -> float:
    """User + system CPU of running processes (fields 14 and 15 of /proc/PID/stat, after the command name)."""
    total = 0
    for process in processes:
        stat = Path(f"/proc/{process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS_PER_SECOND


async def database_counters(database: str) -> tuple[float, float]:
    """(transactions, rows) of `database` so far, from pg_stat_database."""
    connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/test")
    try:
        row = await connection.fetchrow(
            "SELECT xact_commit + xact_rollback AS transactions,"
            " tup_returned + tup_fetched + tup_inserted + tup_updated + tup_deleted AS rows"
            " FROM pg_stat_database WHERE datname = $1",
            database,
        )
    finally:
        await connection.close()
    assert row is not None
    return float(row["transactions"]), float(row["rows"])


async def admin_sql(*statements: str) -> None:
    connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/test")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def finished_runs(database: str, after_id: int) -> tuple[int, int, float, float, int]:
    """(shops with a succeeded run, failed runs, first start, last end as epoch seconds, last run id) after a run id."""
    connection = await asyncpg.connect(f"postgresql://{PG_SERVER}/{database}")
    try:
        row = await connection.fetchrow(
            "SELECT count(DISTINCT shop_id) FILTER (WHERE status = 'succeeded') AS shops,"
            " count(*) FILTER (WHERE status = 'failed') AS failed,"
            " extract(epoch FROM min(started_at)) AS first_start, extract(epoch FROM max(finished_at)) AS last_end,"
            " coalesce(max(id), 0) AS last_id FROM sync_runs WHERE id > $1",
            after_id,
        )
    finally:
        await connection.close()
    assert row is not None
    return (
        int(row["shops"]),
        int(row["failed"]),
        float(row["first_start"] or 0),
        float(row["last_end"] or 0),
        int(row["last_id"]),
    )


async def wait_for_cycle(database: str, shops: int, after_id: int, within: float) -> tuple[int, float, float, int]:
    deadline = time.monotonic() + within
    while True:
        done, failed, first_start, last_end, last_id = await finished_runs(database, after_id)
        if done >= shops:
            return failed, first_start, last_end, last_id
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done} of {shops} shops synced within {within} s ({failed} failed runs)")
        await asyncio.sleep(0.25)


async def shop_requests(client: httpx.AsyncClient, fleet: list[FleetShop], *, reset: bool = False) -> int:
    """Requests the shops served since their counts were last reset (woosim's own counts); then reset them."""
    answers = await asyncio.gather(*(client.get(shop.control_url + "requests") for shop in fleet))
    if reset:
        await asyncio.gather(*(client.delete(shop.control_url + "requests") for shop in fleet))
    return sum(int(answer.json().get("total", 0)) for answer in answers)


class Service:
    """`lumina serve` in queue mode on a free port, signed in as the operator."""

    def __init__(self, processes: Processes, env: dict[str, str], name: str) -> None:
        self.process, log = processes.start(name, [str(BIN / "lumina"), "serve", "--port", "0"], env)
        found = wait_for_line(
            log, r'"url": "(http://[^"]+)"[^\n]*"listening"|"listening"[^\n]*"url": "(http://[^"]+)"', self.process
        )
        self.url = found.group(1) or found.group(2)
        self.client = httpx.AsyncClient(base_url=self.url, timeout=120)

    async def sign_in(self, password: str) -> None:
        """Once the service answers (its socket is bound before it starts accepting)."""
        for _ in range(600):
            try:
                if (await self.client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        answer = await self.client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": password})
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['accessToken']}"

    async def post(self, path: str, body: dict[str, Any] | None = None, *, method: str = "POST") -> dict[str, Any]:
        answer = await self.client.request(method, path, json=body)
        if answer.status_code >= 300:
            raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        data: dict[str, Any] = answer.json()
        return data


async def register(service: Service, fleet: list[FleetShop], concurrency: int) -> None:
    """Per shop, as an operator: a family, the shop (the service checks its URL and key), the family's link."""
    gate = asyncio.Semaphore(concurrency)

    async def one(shop: FleetShop) -> None:
        async with gate:
            family = await service.post(
                "/api/v1/admin/families", {"name": f"family {shop.number}", "linkDefaultShop": False}
            )
            added = await service.post(
                "/api/v1/admin/shops",
                {"name": f"shop {shop.number}", "url": shop.url, "consumerKey": shop.consumer_key,
                 "consumerSecret": shop.consumer_secret},
            )  # fmt: skip
            path = f"/api/v1/admin/families/{family['family']['id']}/shops/{added['shop']['id']}"
            await service.post(path, {}, method="PUT")

    await asyncio.gather(*(one(shop) for shop in fleet))


@dataclass(frozen=True)
class Sample:
    """The database's counters and the workers' CPU seconds at a moment (or, from rates_since, per second)."""

    counters: tuple[float, ...]
    cpu: float
    at: float

    @classmethod
    def take(cls, counters: tuple[float, ...], workers: list[subprocess.Popen[bytes]]) -> Sample:
        return cls(counters, cpu_seconds(workers), time.monotonic())

    def rates_since(self, earlier: Sample) -> Sample:
        seconds = self.at - earlier.at
        counters = tuple((b - a) / seconds for a, b in zip(earlier.counters, self.counters, strict=True))
        return Sample(counters, (self.cpu - earlier.cpu) / seconds, seconds)


async def measure(
    args: argparse.Namespace, processes: Processes, fleet: list[FleetShop], template: str, workers: int, folder: Path,
    password: str,
) -> Measured:  # fmt: skip
    database = f"{template}_w{workers}"
    await admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    env = lumina_env(database, folder / "data", **secrets_env(folder))
    async with httpx.AsyncClient(timeout=60) as control:
        try:
            await shop_requests(control, fleet, reset=True)
            parts = [folder / f"parts-{workers}-{n}.json" for n in range(workers)]
            started = [
                processes.start(f"worker-{workers}-{n}", [*worker_command(args, parts[n]), "worker", "--concurrency",
                                str(args.worker_concurrency)], env)[0]
                for n in range(workers)
            ]  # fmt: skip
            service = Service(processes, env, f"serve-{workers}")
            await service.sign_in(password)
            failed, first_start, last_end, last_id = await wait_for_cycle(database, len(fleet), 0, args.timeout)
            first = Cycle(
                last_end - first_start, await shop_requests(control, fleet, reset=True), cpu_seconds(started), failed
            )

            # The idle cycle: nothing changed on any shop; the operator asks for every shop once more. First the
            # first cycle's counters reach pg_stat_database, then a quiet time shows what idle workers cost (their
            # schedule ticks, heartbeats and queue polling), which is taken off the cycle's figures.
            await asyncio.sleep(QUIET_SECONDS)
            quiet = Sample.take(await database_counters(database), started)
            await asyncio.sleep(QUIET_SECONDS)
            baseline = Sample.take(await database_counters(database), started)
            background = baseline.rates_since(quiet)
            await shop_requests(control, fleet, reset=True)  # the quiet time's: none expected
            cycles = []
            signal_parts(args, started)
            for _ in range(args.idle_cycles):
                asked, cycle_start = time.time(), Sample.take(baseline.counters, started)
                await service.post("/api/v1/orders/sync/all")
                failed, _, last_end, last_id = await wait_for_cycle(database, len(fleet), last_id, args.timeout)
                cycle_end = Sample.take(baseline.counters, started)
                cpu = cycle_end.cpu - cycle_start.cpu - background.cpu * (cycle_end.at - cycle_start.at)
                cycles.append(Cycle(last_end - asked, await shop_requests(control, fleet, reset=True), cpu, failed))
            signal_parts(args, started)
            idle = Cycle.median(cycles)
            await asyncio.sleep(QUIET_SECONDS)
            after = Sample.take(await database_counters(database), started)
            spent = after.at - baseline.at
            net = [
                b - a - rate * spent
                for a, b, rate in zip(baseline.counters, after.counters, background.counters, strict=True)
            ]
            await service.client.aclose()
            processes.stop([*started, service.process])
            if args.parts:
                report_parts(parts, len(fleet) * args.idle_cycles)
        finally:
            await admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    shops = len(fleet)
    per_cycle = shops * args.idle_cycles
    return Measured(workers, first, idle, net[0] / per_cycle, net[1] / per_cycle, background)


def worker_command(args: argparse.Namespace, parts: Path) -> list[str]:
    if args.parts:
        return [sys.executable, str(ROOT / "bench" / "worker_parts.py"), str(parts)]
    return [str(BIN / "lumina")]


def signal_parts(args: argparse.Namespace, workers: list[subprocess.Popen[bytes]]) -> None:
    """Start, or stop and write, the workers' counts per part (worker_parts.py)."""
    if args.parts:
        for worker in workers:
            worker.send_signal(signal.SIGUSR1)


def report_parts(files: list[Path], runs: int) -> None:
    """The workers' CPU per part of a job in the idle cycles, per shop's run (background included: the parts run
    one job at a time, so little else does)."""
    counted = [json.loads(file.read_text()) for file in files]
    process = sum(c["process"] for c in counted)
    print(f"\n  CPU per part of a job in the idle cycles, per shop's run (process {process * 1000 / runs:.2f} ms):")
    print("       ms  calls  part")
    for label in counted[0]["parts"]:
        spent = sum(c["parts"][label][0] for c in counted)
        calls = sum(c["parts"][label][1] for c in counted)
        print(f"    {spent * 1000 / runs:5.2f}  {calls / runs:5.2f}  {label}")


def secrets_env(folder: Path) -> dict[str, str]:
    """The same strong secrets for every process (made once per run, kept in the run's folder)."""
    stored = folder / "secrets.json"
    if not stored.exists():
        stored.write_text(
            json.dumps({"JWT_SECRET": secrets.token_urlsafe(48), "ENCRYPTION_KEY": secrets.token_urlsafe(48)})
        )
    values: dict[str, str] = json.loads(stored.read_text())
    return values


def start_fleet(args: argparse.Namespace, processes: Processes, folder: Path) -> list[FleetShop]:
    manifest = folder / "fleet.json"
    process, log = processes.start(
        "woosim",
        [str(BIN / "woosim"), "serve", "--port", "0", "--shops", str(args.shops), "--orders-per-shop",
         str(args.orders_per_shop), "--days", "20", "--latency-ms", str(args.latency_ms), "--manifest", str(manifest)],
        dict(os.environ),
    )  # fmt: skip
    wait_for_line(log, r"manifest:", process)
    return [
        FleetShop(s["number"], s["url"], s["control_url"], s["consumer_key"], s["consumer_secret"])
        for s in json.loads(manifest.read_text())["shops"]
    ]


def report(args: argparse.Namespace, results: list[Measured]) -> None:
    shops, latency, concurrency = args.shops, args.latency_ms / 1000.0, args.worker_concurrency
    print(f"\n{shops} shops x {args.orders_per_shop} orders, latency {args.latency_ms:g} ms, "
          f"lumina worker --concurrency {concurrency} (queue mode, SYNC_RUNNER=queue)")  # fmt: skip

    def bound_of(requests: float, workers: int) -> float:
        """The latency bound: shops x requests per shop x latency / total concurrency."""
        return requests * latency / (workers * concurrency)

    print("\nFirst full cycle (backfill of every shop):")
    print("   W  wall s  shops/min  req/shop  CPU ms/shop*  bound s  wall/bound  failed runs")
    for r in results:
        per_shop, bound = r.first.requests / shops, bound_of(r.first.requests, r.workers)
        print(f"  {r.workers:>2}  {r.first.wall:>6.1f}  {shops / r.first.wall * 60:>9.0f}  {per_shop:>8.2f}  "
              f"{r.first.cpu_seconds * 1000 / shops:>11.1f}  {bound:>7.1f}  {r.first.wall / bound:>10.2f}  "
              f"{r.first.failed:>11}")  # fmt: skip
    print("  * the workers' CPU since they started, their start-up included")
    print(f"\nIdle cycle (POST /orders/sync/all, nothing changed), per shop; medians of {args.idle_cycles} cycles:")
    print("   W  wall s  requests  CPU ms  db transactions  db rows  bound s  wall/bound  failed runs")
    for r in results:
        per_shop, bound = r.idle.requests / shops, bound_of(r.idle.requests, r.workers)
        print(f"  {r.workers:>2}  {r.idle.wall:>6.1f}  {per_shop:>8.2f}  {r.idle.cpu_seconds * 1000 / shops:>6.2f}  "
              f"{r.idle_transactions:>15.1f}  {r.idle_rows:>7.1f}  {bound:>7.1f}  {r.idle.wall / bound:>10.2f}  "
              f"{r.idle.failed:>11}")  # fmt: skip
    print("  CPU and database figures net of what the same workers cost idle, nobody syncing (per second):")
    for r in results:
        transactions, rows = r.background.counters
        print(
            f"    W={r.workers}: {r.background.cpu * 1000:.1f} CPU ms, {transactions:.1f} transactions, {rows:.0f} rows"
        )


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lumina-bench-fleet-"))
    processes = Processes(folder)
    template = f"lumina_bench_fleet_{os.getpid()}"
    results: list[Measured] = []
    try:
        fleet = start_fleet(args, processes, folder)
        await admin_sql(f'CREATE DATABASE "{template}"')
        env = lumina_env(template, folder / "data", **secrets_env(folder))
        password = secrets.token_urlsafe(24)
        lumina(env, "db", "upgrade")
        family = re.search(r"(\d+)", lumina(env, "families", "create", "Operators"))
        assert family is not None, "no family id printed"
        lumina(env, "users", "create", "--family", family.group(1), "--email", ADMIN_EMAIL, "--name", "Operator",
               "--role", "admin", "--password", password)  # fmt: skip
        service = Service(processes, env, "serve-register")
        await service.sign_in(password)
        began = time.monotonic()
        await register(service, fleet, args.register_concurrency)
        print(f"registered {len(fleet)} shops through the admin API in {time.monotonic() - began:.1f} s", flush=True)
        await service.client.aclose()
        processes.stop([service.process])
        for workers in (int(w) for w in args.workers.split(",")):
            results.append(await measure(args, processes, fleet, template, workers, folder, password))
            print(f"W={workers} measured", flush=True)
    finally:
        processes.stop_all()
        await admin_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    report(args, results)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
