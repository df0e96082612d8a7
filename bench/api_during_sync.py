"""The orders API while a backfill runs in the embedded mode: p50/p99 of the list, stats and one order with no sync
(idle) and during a first sync of another shop, in one run, for each placement of the sync asked for.

    .venv/bin/python bench/api_during_sync.py --orders 20000 --latency-ms 20 --sync-on child thread
    .venv/bin/python bench/api_during_sync.py --orders 20000 --latency-ms 200 --requests-per-second 5 \
        --sync-on child thread
    .venv/bin/python bench/api_during_sync.py --orders 20000 --latency-ms 0 --cache-seconds 1.5
    .venv/bin/python bench/api_during_sync.py --orders 20000 --sync-on loop      # as before: on the requests' loop
    .venv/bin/python bench/api_during_sync.py --orders 20000 --sync-on process   # reference: a pool's process

Two simulated shops run in their own processes (`woosim serve --pregenerate`, as in bench/backfill.py), every thread at
`--shop-niceness` (10 by default: a real shop is another host, whose CPU the service never shares; at 0 they take the
cores as much as the service does, and their page rendering makes most of the requests' waits for a core). The first
(`--family-orders`) is mirrored first into the family whose member sends the requests; then, for each placement in turn,
the requests are timed with no sync (idle), and again while the second shop's `--orders` are backfilled into a family of
its own (a shop row of its own for the same simulated shop): in the service's child process, with the service's own code
(`--sync-on child`, the default: `ProcessSync`, SYNC_ISOLATION=process, at `--niceness`); on a thread and event loop of
its own with its own database engine (`thread`: SYNC_ISOLATION=thread); on the app's own loop (`loop`, as the service
did before); or, for reference, in a process pool's process on the same database (`process`). Requests go through the
whole app with httpx's ASGITransport, one at a time, rotating over the list, stats and one order: `--requests` idle,
then as many as fit in the sync. `--cache-seconds 0` (the default) reads the database for every request; with the read
cache on, the family's answers stay cached (the sync writes another family's orders), so what the sync adds is what
holds the loop.

A loop-lag probe (a task that asks to wake every 5 ms) reports how late the loop woke it, and every callback the loop
runs is timed in thread CPU time: what held the loop, apart from what a loaded machine's preemptions add to both.
Callbacks that held it `--held-ms` or longer during the sync are listed by the coroutine they ran. Per request, the
requests' thread's CPU and, on Linux, its wait for a core (runnable while other work had the cores: the kernel's
schedstat) tell what the answer cost from what the machine's other work added to it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from backfill import ENCRYPTION_KEY, KEY, SECRET, bench_coordinator, start_shop, stop_shop
from lumina.app import create_app
from lumina.auth.tokens import issue_access_token
from lumina.config import Environment, Settings
from lumina.context import ServiceContext
from lumina.db.migrate import upgrade
from lumina.jobs.sync_process import NICENESS, ProcessSync
from lumina.jobs.sync_thread import ThreadedSync
from lumina.kit.crypto import SecretBox, key_hint
from lumina.kit.heap import settle_after_startup
from lumina.models import Family, FamilyShop, RefreshToken, ShopConnection, SyncTrigger, User
from lumina.sync import SyncCoordinator, SyncResult

PROBE_INTERVAL = 0.005
UNLIMITED = 1e9  # requests per second: as fast as the shop answers
SESSION = "bench-session"


class LagProbe:
    """How late the loop runs a task that sleeps PROBE_INTERVAL at a time."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + PROBE_INTERVAL
            await asyncio.sleep(PROBE_INTERVAL)
            self.lags.append(max(loop.time() - asked, 0.0))

    def __enter__(self) -> LagProbe:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def summary(self) -> str:
        ordered = sorted(self.lags) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        median, longest = statistics.median(ordered), ordered[-1]
        return f"loop lag p50 {1000 * median:.1f} ms, p99 {1000 * p99:.1f} ms, max {1000 * longest:.1f} ms"


class HeldLoop:
    """The CPU time each callback the loop runs holds it for (thread time, so that a loaded machine's preemptions do
    not count), by the coroutine or function it ran: what keeps requests waiting, whatever the machine does."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.held: list[float] = []
        self.slow: dict[str, list[float]] = collections.defaultdict(list)
        self._run = asyncio.events.Handle._run

    def __enter__(self) -> HeldLoop:
        original, held, slow, threshold = self._run, self.held, self.slow, self.threshold
        requests_thread = threading.get_ident()

        def timed_run(handle: asyncio.events.Handle) -> None:
            if threading.get_ident() != requests_thread:  # a sync on its own thread and loop
                original(handle)
                return
            began = time.thread_time()
            original(handle)
            took = time.thread_time() - began
            held.append(took)
            if took >= threshold:
                slow[_place(handle)].append(took)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.events.Handle._run = self._run  # type: ignore[method-assign]

    def summary(self) -> str:
        ordered = sorted(self.held) or [0.0]
        p999 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.999))]
        over = sum(map(len, self.slow.values()))
        return (f"loop held (CPU) per callback p99.9 {1000 * p999:.1f} ms, max {1000 * ordered[-1]:.1f} ms; "
                f"{over} callbacks of {1000 * self.threshold:g} ms or more")  # fmt: skip

    def report(self) -> None:
        for place, times in sorted(self.slow.items(), key=lambda item: -sum(item[1]))[:8]:
            print(f"  {len(times):4d} x, max {1000 * max(times):5.1f} ms, {1000 * sum(times):6.0f} ms in all: {place}")


def _place(handle: asyncio.events.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        return task.get_coro().__qualname__  # type: ignore[union-attr]
    return getattr(callback, "__qualname__", repr(callback))


async def family_with_shop(session: AsyncSession, name: str, url: str) -> tuple[int, int]:
    """A family linked to a shop row of its own for `url`: (family id, shop id). Each placement measured in a run
    backfills a shop row of its own for the same simulated shop."""
    box = SecretBox(ENCRYPTION_KEY)
    shop = ShopConnection(name=f"shop of {name}", url=url, consumer_key_encrypted=box.encrypt(KEY),
                          consumer_secret_encrypted=box.encrypt(SECRET), key_hint=key_hint(KEY))  # fmt: skip
    family = Family(name=name)
    session.add_all([shop, family])
    await session.flush()
    session.add(FamilyShop(family_id=family.id, shop_id=shop.id))
    return family.id, shop.id


async def prepare(context: ServiceContext, first: str) -> tuple[int, str]:
    """The measured family with its shop, and its member's token. Returns (shop, token)."""
    async with context.database.transaction() as session:
        family_id, shop_id = await family_with_shop(session, "Measured family", first)
        user = User(family_id=family_id, email="member@example.com", name="Member", password_hash="x")
        session.add(user)
        await session.flush()
        now = datetime.now(UTC)
        session.add(RefreshToken(user_id=user.id, chain_id=SESSION, token_hash="0" * 64,
                                 expires_at=now + timedelta(days=1)))  # fmt: skip
        token = issue_access_token(context.jwt_secret, user_id=user.id, family_id=family_id, role="member",
                                   session_id=SESSION, now=now, lifetime=timedelta(hours=6))  # fmt: skip
        return shop_id, token


async def first_order_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    answer = await client.get("/api/v1/orders?limit=100", headers=headers)
    answer.raise_for_status()
    return [item["id"] for item in answer.json()["orders"]]


Timings = dict[str, list[float]]
CPU = "CPU"
OTHERS = "others"
WAIT = "wait for a core"
SCHEDSTAT = Path("/proc/thread-self/schedstat")  # Linux: time on a CPU, time waiting on a run queue (ns), slices
IN_APP = "(app)"


class InApp:
    """Times each request inside the app, from its arrival to the end of its answer: without the client's own work,
    which shares this thread (and the interpreter) here, and another process behind a real server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - started


def run_queue_seconds() -> float:
    """How long this thread has waited, runnable, for a core; 0 where the kernel does not tell."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


async def requests_until(
    send: Callable[[str], Awaitable[float]], paths: dict[str, Callable[[int], str]], done: Callable[[int], bool]
) -> Timings:
    """Requests one at a time, rotating over `paths`, until `done(requests sent)`; under CPU, the requests' thread's
    CPU time per request (what the answer costs that thread, not the waits for the interpreter or a core), and under
    WAIT its time runnable but off a core (what the other processes' and threads' work cost it)."""
    timings: Timings = {name: [] for name in paths} | {CPU: [], WAIT: []}
    names = list(paths)
    sent = 0
    while not done(sent):
        name = names[sent % len(names)]
        waited, cpu, process_cpu = run_queue_seconds(), time.thread_time(), time.process_time()
        started = time.perf_counter()
        in_app = await send(paths[name](sent))
        timings[name].append(time.perf_counter() - started)
        timings.setdefault(OTHERS, []).append(max(0.0, time.process_time() - process_cpu - (time.thread_time() - cpu)))
        timings.setdefault(f"{name} {IN_APP}", []).append(in_app)
        timings[CPU].append(time.thread_time() - cpu)
        timings[WAIT].append(run_queue_seconds() - waited)  # read last: its file read is not the request's
        sent += 1
        await asyncio.sleep(0)  # as a server reads each request in a turn of the loop (a cached answer never waits)
    return timings


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return 1000 * statistics.median(ordered), 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def table(idle: Timings, busy: Timings) -> str:
    """Print the figures; return the client-timed p99 ratios of the paths, as "a / b / cx"."""
    ratios = []
    print(f"{'':16} {'idle p50':>9} {'idle p99':>9} {'sync p50':>9} {'sync p99':>9} {'p99 ratio':>10}  (ms)")
    for name in idle:
        if name in (CPU, OTHERS, WAIT):
            continue
        idle_p50, idle_p99 = percentiles(idle[name])
        busy_p50, busy_p99 = percentiles(busy[name])
        print(f"{name:16} {idle_p50:9.2f} {idle_p99:9.2f} {busy_p50:9.2f} {busy_p99:9.2f} {busy_p99 / idle_p99:9.2f}x")
        if IN_APP not in name:
            ratios.append(f"{busy_p99 / idle_p99:.2f}")
    (idle_cpu, _), (busy_cpu, _) = percentiles(idle[CPU]), percentiles(busy[CPU])
    print(f"the requests' thread's CPU per request, median: idle {idle_cpu:.2f} ms, during the sync {busy_cpu:.2f} ms")
    (idle_others, _), (busy_others, _) = percentiles(idle[OTHERS]), percentiles(busy[OTHERS])
    busy_total = 1000 * sum(busy[OTHERS]) / len(busy[OTHERS])
    print(f"the process's other threads' CPU during a request, median: idle {idle_others:.2f} ms, during the sync "
          f"{busy_others:.2f} ms (mean {busy_total:.2f} ms)")  # fmt: skip
    (idle_wait, idle_wait_p99), (busy_wait, busy_wait_p99) = percentiles(idle[WAIT]), percentiles(busy[WAIT])
    print(f"the requests' thread's wait for a core during a request, p50 / p99: idle {idle_wait:.2f} / "
          f"{idle_wait_p99:.2f} ms, during the sync {busy_wait:.2f} / {busy_wait_p99:.2f} ms")  # fmt: skip
    return " / ".join(ratios) + "x"


def bench_settings(args: argparse.Namespace, workdir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        lumina_env=Environment.TEST,
        database_url=args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        data_dir=workdir,
        encryption_key=ENCRYPTION_KEY,
        jwt_secret=ENCRYPTION_KEY,
        orders_cache_seconds=args.cache_seconds,
        # What `coordinator_for` gives the other placements, for the child, which builds its own from the settings.
        sync_max_concurrency=args.concurrency,
        sync_days_back=args.days + 1,
        sync_requests_per_second=args.requests_per_second or UNLIMITED,
        allow_private_shop_urls=True,
    )


def coordinator_for(args: argparse.Namespace, context: ServiceContext) -> SyncCoordinator:
    return bench_coordinator(context, args.concurrency, args.days, args.requests_per_second or None)


def backfill_in_process(args: argparse.Namespace, workdir: Path, shop_id: int) -> SyncResult:
    async def backfill() -> SyncResult:
        context = ServiceContext.from_settings(bench_settings(args, workdir))
        try:
            coordinator = coordinator_for(args, context)
            return await coordinator.sync_shop(shop_id, trigger=SyncTrigger.CLI)
        finally:
            await context.close()

    return asyncio.run(backfill())


@contextlib.asynccontextmanager
async def backfills(
    args: argparse.Namespace, placement: str, context: ServiceContext, workdir: Path
) -> AsyncIterator[Callable[[int], Awaitable[SyncResult]]]:
    """Backfills in the service's child process (`ProcessSync`, SYNC_ISOLATION=process: the service's own code);
    on a thread and loop of their own with their own database engine (`ThreadedSync`, SYNC_ISOLATION=thread);
    on the requests' loop; or in another process run by a pool (for reference). The engines start before the idle
    pass, as with the service."""
    if placement == "child":
        child = await ProcessSync.start(context, niceness=args.niceness)
        try:
            yield lambda shop_id: _only(child.sync_all(trigger=SyncTrigger.CLI, shop_ids=[shop_id]))
        finally:
            await child.close()
    elif placement == "loop":
        coordinator = coordinator_for(args, context)
        yield lambda shop_id: coordinator.sync_shop(shop_id, trigger=SyncTrigger.CLI)
    elif placement == "process":
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield lambda shop_id: asyncio.wrap_future(pool.submit(backfill_in_process, args, workdir, shop_id))
    else:
        engine = await ThreadedSync.start(context, lambda own: (coordinator_for(args, own), None))
        try:
            yield lambda shop_id: engine.thread.run(engine.coordinator.sync_shop(shop_id, trigger=SyncTrigger.CLI))
        finally:
            await engine.close()


async def _only(results: Awaitable[list[SyncResult]]) -> SyncResult:
    [result] = await results
    return result


async def run(args: argparse.Namespace) -> None:
    # A real shop's CPU is another host's: here, at most the priority of ours.
    first, first_url = start_shop(args.family_orders, 0, args.days, niceness=args.shop_niceness)
    second, second_url = start_shop(args.orders, args.latency_ms, args.days, niceness=args.shop_niceness)
    workdir = Path(tempfile.mkdtemp(prefix="lumina-bench-"))
    try:
        settings = bench_settings(args, workdir)
        context = ServiceContext.from_settings(settings)
        await upgrade(context.database)
        first_shop, token = await prepare(context, first_url)
        await coordinator_for(args, context).sync_shop(first_shop, trigger=SyncTrigger.CLI)
        ratios: dict[str, str] = {}
        try:
            for placement in args.sync_on:
                async with context.database.transaction() as session:
                    _family, shop_id = await family_with_shop(session, f"Synced on {placement}", second_url)
                async with backfills(args, placement, context, workdir) as backfill_of:
                    ratios[placement] = await measure(args, placement, context, backfill_of, shop_id, token)
        finally:
            await context.close()
    finally:
        stop_shop(first)
        stop_shop(second)
    print(f"\np99 during / idle (list / stats / one order), load average {os.getloadavg()[0]:.1f} at the end:")
    for placement, ratio in ratios.items():
        print(f"  {placement:8} {ratio}")


async def measure(
    args: argparse.Namespace,
    placement: str,
    context: ServiceContext,
    backfill_of: Callable[[int], Awaitable[SyncResult]],
    shop_id: int,
    token: str,
) -> str:
    """Time the requests idle, then during the backfill of `shop_id`; print the figures and return the p99
    ratios."""
    headers = {"Authorization": f"Bearer {token}"}
    app = InApp(create_app(context=context))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lumina.bench") as client:
        ids = await first_order_ids(client, headers)

        async def send(path: str) -> float:
            (await client.get(path, headers=headers)).raise_for_status()
            return app.last

        paths: dict[str, Callable[[int], str]] = {
            "list": lambda _n: "/api/v1/orders",
            "stats": lambda _n: "/api/v1/orders/stats",
            "one order": lambda n: f"/api/v1/orders/{ids[n % len(ids)]}",
        }
        await requests_until(send, paths, lambda sent: sent >= 60)  # warm-up
        settle_after_startup()
        with LagProbe() as idle_lag, HeldLoop(args.held_ms / 1000) as idle_held:
            idle = await requests_until(send, paths, lambda sent: sent >= args.requests)
        sync = asyncio.ensure_future(backfill_of(shop_id))
        began = time.monotonic()
        with LagProbe() as busy_lag, HeldLoop(args.held_ms / 1000) as busy_held:
            busy = await requests_until(send, paths, lambda _sent: sync.done())
        wall = time.monotonic() - began
        result = await sync
    if result.status != "succeeded":
        raise SystemExit(f"the sync did not succeed: {result.error}")
    print(
        f"\nsync on {placement}; switch interval {1000 * sys.getswitchinterval():g} ms; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"database: {context.database.engine.dialect.name}; read cache {args.cache_seconds:g} s; backfill of "
          f"{result.created} orders ({args.latency_ms:g} ms latency, concurrency {args.concurrency}, "
          f"{args.requests_per_second or 'no'} requests per second limit) in {wall:.1f} s; "
          f"{len(idle[CPU])} requests idle, {len(busy[CPU])} during the sync "
          f"({os.cpu_count()} cores)")  # fmt: skip
    ratios = table(idle, busy)
    print(f"idle: {idle_lag.summary()}\n      {idle_held.summary()}")
    print(f"sync: {busy_lag.summary()}\n      {busy_held.summary()}")
    busy_held.report()
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20000, help="orders of the shop backfilled during the requests")
    parser.add_argument("--family-orders", type=int, default=5000, help="orders of the measured family")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the backfilled shop's latency per request")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--cache-seconds", type=float, default=0.0, help="the read cache's TTL (0: off)")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--requests", type=int, default=1500, help="requests of the idle pass")
    parser.add_argument(
        "--requests-per-second",
        type=float,
        default=0.0,
        help="the backfill's request rate (0: as fast as the shop answers; the service's default is 5)",
    )
    parser.add_argument(
        "--sync-on",
        nargs="+",
        choices=("child", "thread", "loop", "process"),
        default=["child"],
        help="where the backfill runs, each in turn in one run (a shop row of its own each): the service's child "
        "process (SYNC_ISOLATION=process), its thread (SYNC_ISOLATION=thread), the requests' loop, or a pool's "
        "process (reference)",
    )
    parser.add_argument("--niceness", type=int, default=NICENESS, help="the child process's (--sync-on child)")
    parser.add_argument(
        "--shop-niceness",
        type=int,
        default=10,
        help="the simulated shops' niceness, every thread's (they stand for remote hosts and yield the cores to the "
        "service; 0: they take them as much as the service does)",
    )
    parser.add_argument("--switch-interval-ms", type=float, default=0.0, help="sys.setswitchinterval (0: default)")
    parser.add_argument("--held-ms", type=float, default=2.0, help="list callbacks that held the loop this long")
    args = parser.parse_args()
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
