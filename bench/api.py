"""Orders API benchmark: latency of list, stats and one order at a million orders, in-process and over HTTP, and
HTTP throughput against a bare FastAPI endpoint served the same way; each cold (the read cache off) and warm
(answered from it), in one run.

    .venv/bin/python bench/api.py --orders 1000000 --families 1000

The database is a SQLite file in a temporary folder, migrated like the service's, filled with Core executemany
inserts (indexes and the statistics' triggers dropped during the fill and rebuilt after, as a bulk load does, the
aggregate filled once by its migration's own statement). A kept file is migrated before it is reused. Orders are
spread evenly over the families except for one large family holding `--large-share` of them, reported
separately: the operator's worst case.

In-process figures go through the whole app (routing, token check, validation, queries or the read cache,
serialisation, metrics middleware) with httpx's ASGITransport; over HTTP the app runs under uvicorn on
127.0.0.1 (one worker, uvloop, httptools, no access log) and so does the bare endpoint. Requests use tokens of
sampled families and rotate over them, so that caches do not see one family only.

Cold runs turn the read cache off (ORDERS_CACHE_SECONDS=0): every request reads the database. Warm latency runs
send the same request sequence once untimed first, with a TTL long enough that nothing expires during the timed
pass, and print the share of the timed requests the cache answered (in-process). Warm throughput runs use the
service's TTL, so each entry is read again from the database once per TTL under load, as in production. The
principal (verified token, user row state) is cached in both: it is part of the lean read path, not the read
cache.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import uvicorn
import uvloop
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import Connection, create_engine, insert, text

from lumina.app import create_app
from lumina.auth.tokens import issue_access_token
from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.db.migrate import alembic_config, upgrade
from lumina.db.session import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder, Family, FamilyShop, RefreshToken, ShopConnection, ShopSyncState, User
from lumina.orders.read_cache import OrderReadCache, read_cache_of

WARM_TTL = 60.0  # warm latency runs: long enough that no primed answer expires during its timed pass
JWT_SECRET = "bench-signing-secret-0123456789abcdef0123456789"
ENCRYPTION_KEY = "bench-encryption-key-0123456789abcdef01234567"
STATUSES = [  # (status, weight): roughly a live shop's mix, with hidden rows a family must not see
    ("completed", 60), ("processing", 14), ("pending", 5), ("on-hold", 4), ("cancelled", 5),
    ("refunded", 3), ("failed", 3), ("trash", 3), ("checkout-draft", 3),
]  # fmt: skip
HIDDEN = {"trash", "checkout-draft"}
FAMILIES_PER_SHOP = 10
BATCH = 20_000
NOW = datetime(2026, 11, 1, tzinfo=UTC)
RAW_TEMPLATE: dict[str, Any] = json.loads((Path("/work/shared/woocommerce/examples/order.json")).read_text())


# ---------------------------------------------------------------- filling the database


@dataclass
class Dataset:
    path: Path
    families: list[int]
    large_family: int
    users: dict[int, int]  # family id -> user id
    orders_of: dict[int, list[int]] = field(default_factory=dict)  # sampled family -> some visible order ids
    fill_seconds: float = 0.0


def _raw(wc_id: int, status: str, total: str, created: datetime, name: tuple[str, str]) -> dict[str, Any]:
    raw = dict(RAW_TEMPLATE)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S")
    raw.update(
        id=wc_id, number=str(wc_id), status=status, total=total, date_created=stamp, date_created_gmt=stamp,
        date_modified=stamp, date_modified_gmt=stamp,
        billing={**RAW_TEMPLATE["billing"], "first_name": name[0], "last_name": name[1]},
    )  # fmt: skip
    return raw


def _order_rows(
    rng: random.Random, family: int, shop: int, count: int, next_wc: Iterator[int]
) -> Iterator[dict[str, Any]]:
    statuses, weights = zip(*STATUSES, strict=True)
    firsts = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Niklaus", "Radia"]
    lasts = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Wirth", "Perlman"]
    for _ in range(count):
        wc_id = next(next_wc)
        status = rng.choices(statuses, weights)[0]
        created = NOW - timedelta(seconds=rng.randrange(0, 90 * 86400))
        modified = created + timedelta(seconds=rng.randrange(0, 3 * 86400))
        total = Decimal(rng.randrange(100, 50_000)).scaleb(-2)
        name = (rng.choice(firsts), rng.choice(lasts))
        yield {
            "family_id": family, "shop_id": shop, "woocommerce_order_id": wc_id, "number": str(wc_id),
            "status": status, "currency": "EUR" if wc_id % 20 == 0 else "USD", "total": total,
            "total_refunded": total if status == "refunded" else Decimal(0), "customer_id": rng.randrange(0, 5000),
            "billing_email": f"{name[0]}.{name[1]}@example.com".lower(), "customer_name": " ".join(name),
            "date_created": created, "date_modified": modified,
            "date_paid": created if status in ("completed", "processing") else None,
            "date_completed": modified if status == "completed" else None,
            "raw_data": _raw(wc_id, status, str(total), created, name), "synced_at": NOW, "deleted_at": None,
            "is_visible": status not in HIDDEN,
        }  # fmt: skip


def fill(path: Path, orders: int, families: int, large_share: float, seed: int) -> Dataset:
    started = time.perf_counter()
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{path}")
    box = SecretBox(ENCRYPTION_KEY)
    with engine.begin() as connection:
        indexes, triggers = _schema_of_orders(connection, "index"), _schema_of_orders(connection, "trigger")
        for name, _sql in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        for name, _sql in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        connection.execute(text("PRAGMA journal_mode=WAL"))
    shops = max(1, families // FAMILIES_PER_SHOP)
    with engine.begin() as connection:
        connection.execute(
            insert(Family), [{"id": i, "name": f"Family {i}", "created_at": NOW} for i in range(1, families + 1)]
        )
        connection.execute(
            insert(ShopConnection),
            [
                {"id": s, "name": f"Shop {s}", "url": f"https://shop{s}.example",
                 "consumer_key_encrypted": box.encrypt("ck_x"), "consumer_secret_encrypted": box.encrypt("cs_x"),
                 "key_hint": "x", "auth_mode": "auto", "verify_tls": True, "is_default": s == 1, "created_at": NOW,
                 "updated_at": NOW}
                for s in range(1, shops + 1)
            ],
        )  # fmt: skip
        connection.execute(
            insert(FamilyShop),
            [{"family_id": f, "shop_id": (f - 1) % shops + 1, "created_at": NOW} for f in range(1, families + 1)],
        )
        connection.execute(
            insert(ShopSyncState),
            [{"shop_id": s, "last_success_at": NOW, "consecutive_failures": 0} for s in range(1, shops + 1)],
        )
        password_hash = "$argon2id$v=19$m=65536,t=3,p=4$bench$bench"  # nobody logs in: tokens are issued directly
        connection.execute(
            insert(User),
            [{"id": f, "family_id": f, "email": f"user{f}@example.com", "name": f"User {f}",
              "password_hash": password_hash, "role": "member", "is_active": True, "created_at": NOW}
             for f in range(1, families + 1)],
        )  # fmt: skip
        connection.execute(  # each user's session, which the tokens below name
            insert(RefreshToken),
            [{"user_id": f, "chain_id": _session_of(f), "token_hash": f"{f:064d}", "issued_at": NOW,
              "expires_at": NOW + timedelta(days=30)} for f in range(1, families + 1)],
        )  # fmt: skip
    large_family = 1
    large = int(orders * large_share) if families > 1 else orders
    per_family = (orders - large) // max(1, families - 1)
    counts = dict.fromkeys(range(2, families + 1), per_family)
    counts[large_family] = orders - per_family * (families - 1)
    next_wc = iter(range(1000, 10**12))
    done = 0
    with engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for family, count in counts.items():
            for row in _order_rows(rng, family, (family - 1) % shops + 1, count, next_wc):
                batch.append(row)
                if len(batch) >= BATCH:
                    connection.execute(insert(CachedOrder), batch)
                    done += len(batch)
                    batch.clear()
                    print(f"\r  filled {done:,} orders", end="", file=sys.stderr, flush=True)
        if batch:
            connection.execute(insert(CachedOrder), batch)
    print(file=sys.stderr)
    with engine.begin() as connection:
        for name, sql in indexes:
            print(f"  building {name}", file=sys.stderr)
            connection.execute(text(sql))
        print("  filling family_order_stats", file=sys.stderr)
        connection.execute(text(_stats_migration().FILL))
        for _name, sql in triggers:
            connection.execute(text(sql))
    engine.dispose()
    dataset = Dataset(path, list(counts), large_family, {f: f for f in counts})
    dataset.fill_seconds = time.perf_counter() - started
    return dataset


def _schema_of_orders(connection: Connection, kind: str) -> list[tuple[str, str]]:
    """The indexes or triggers of `cached_orders`: name and the SQL that makes them again."""
    statement = text(
        "SELECT name, sql FROM sqlite_master WHERE type = :kind AND tbl_name = 'cached_orders' AND sql IS NOT NULL"
    )
    return [(name, sql) for name, sql in connection.execute(statement, {"kind": kind})]


async def _migrate(url: str) -> None:
    database = Database(url)
    await upgrade(database)
    await database.dispose()


def _stats_migration() -> ModuleType:
    """The migration that made the statistics' aggregate: its statement fills it from the orders there are."""
    return ScriptDirectory.from_config(alembic_config()).get_revision("0003").module


def sample_orders(dataset: Dataset, families: list[int]) -> None:
    engine = create_engine(f"sqlite:///{dataset.path}")
    with engine.connect() as connection:
        for family in families:
            rows = connection.execute(
                text("SELECT id FROM cached_orders WHERE family_id = :f AND is_visible = 1 ORDER BY random() LIMIT 50"),
                {"f": family},
            ).scalars()
            dataset.orders_of[family] = list(rows)
    engine.dispose()


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class Case:
    name: str
    family: int
    path: Callable[[random.Random], str]


def cases(dataset: Dataset, sampled: list[int]) -> list[tuple[str, list[Case]]]:
    def one_order(family: int) -> Callable[[random.Random], str]:
        return lambda rng: f"/api/v1/orders/{rng.choice(dataset.orders_of[family])}"

    def fixed(path: str) -> Callable[[random.Random], str]:
        return lambda _rng: path

    def group(family_ids: list[int]) -> list[tuple[str, list[Case]]]:
        return [
            ("list (default: newest first)", [Case("list", f, fixed("/api/v1/orders")) for f in family_ids]),
            ("list status=completed, orderBy=total asc", [
                Case("list-total", f, fixed("/api/v1/orders?status=completed&orderBy=total&order=asc&limit=50"))
                for f in family_ids
            ]),
            ("list status=processing, orderBy=date_created", [
                Case("list-status", f, fixed("/api/v1/orders?status=processing&orderBy=date_created&order=desc"))
                for f in family_ids
            ]),
            ("list orderBy=customer_name, offset=100", [
                Case("list-name", f, fixed("/api/v1/orders?orderBy=customer_name&order=asc&offset=100"))
                for f in family_ids
            ]),
            ("stats", [Case("stats", f, fixed("/api/v1/orders/stats")) for f in family_ids]),
            ("one order", [Case("one", f, one_order(f)) for f in family_ids]),
        ]  # fmt: skip

    typical = [(f"{name} | typical family", items) for name, items in group(sampled)]
    large = [(f"{name} | large family", items) for name, items in group([dataset.large_family])]
    return typical + large


def _session_of(user_id: int) -> str:
    return f"bench-session-{user_id}"


def tokens_for(dataset: Dataset, families: list[int]) -> dict[int, str]:
    return {
        family: issue_access_token(
            JWT_SECRET,
            user_id=dataset.users[family],
            family_id=family,
            role="member",
            session_id=_session_of(dataset.users[family]),
            now=datetime.now(UTC),
            lifetime=timedelta(hours=6),
        )
        for family in families
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


async def timed(
    send: Callable[[str, str], Awaitable[int]],
    items: list[Case],
    tokens: dict[int, str],
    count: int,
    seed: int,
    *,
    prime: bool,
) -> list[float]:
    """`count` sequential requests rotating over `items`. With `prime`, the same sequence is sent once untimed
    first, so that every timed request finds its answer in the read cache."""
    for item in items[:5]:  # warm-up of the code paths
        await send(item.path(random.Random(seed)), tokens[item.family])
    if prime:
        rng = random.Random(seed)
        for index in range(count):
            item = items[index % len(items)]
            await send(item.path(rng), tokens[item.family])
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        item = items[index % len(items)]
        path = item.path(rng)
        started = time.perf_counter()
        status = await send(path, tokens[item.family])
        samples.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return samples


# ---------------------------------------------------------------- in-process


def settings_env(dataset: Dataset, cache_seconds: float) -> dict[str, str]:
    return {
        "LUMINA_ENV": "development", "DATABASE_URL": f"sqlite:///{dataset.path}", "DATA_DIR": str(dataset.path.parent),
        "JWT_SECRET": JWT_SECRET, "ENCRYPTION_KEY": ENCRYPTION_KEY, "SCHEDULER_ENABLED": "false",
        "SYNC_ON_STARTUP": "false", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
        "ORDERS_CACHE_SECONDS": str(cache_seconds),
    }  # fmt: skip


Latencies = dict[str, tuple[float, float]]


async def in_process(
    dataset: Dataset, groups: list[tuple[str, list[Case]]], tokens: dict[int, str], count: int, cache_seconds: float
) -> tuple[Latencies, dict[str, float]]:
    """p50/p99 per line and, when the read cache is on, the share of timed requests it answered."""
    os.environ.update(settings_env(dataset, cache_seconds))
    context = ServiceContext.from_settings(Settings(_env_file=None))
    cache = read_cache_of(context)
    app = create_app(context=context)
    transport = httpx.ASGITransport(app=app)
    results: Latencies = {}
    hit_ratios: dict[str, float] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://lumina.bench") as client:

        async def send(path: str, token: str) -> int:
            return (await client.get(path, headers={"Authorization": f"Bearer {token}"})).status_code

        for name, items in groups:
            gc.collect()
            samples = await timed(send, items, tokens, count, seed=len(results), prime=cache.enabled)
            results[name] = percentiles(samples)
        if cache.enabled:
            hit_ratios = await _hit_ratios(send, groups, tokens, count, cache)
    await context.close()
    return results, hit_ratios


async def _hit_ratios(
    send: Callable[[str, str], Awaitable[int]],
    groups: list[tuple[str, list[Case]]],
    tokens: dict[int, str],
    count: int,
    cache: OrderReadCache,
) -> dict[str, float]:
    """The share of the timed sequence the cache answers, replayed once more and counted (not timed)."""
    ratios = {}
    for seed, (name, items) in enumerate(groups):
        hits, misses = cache.hits, cache.misses
        rng = random.Random(seed)
        for index in range(count):
            item = items[index % len(items)]
            await send(item.path(rng), tokens[item.family])
        done = (cache.hits - hits) + (cache.misses - misses)
        ratios[name] = (cache.hits - hits) / done if done else 0.0
    return ratios


# ---------------------------------------------------------------- over HTTP


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(kind: str, port: int, db: str, cache_seconds: float) -> None:
    """Entry point of the server subprocesses: the same uvicorn options for the app and the bare endpoint."""
    if kind == "bare":
        app = FastAPI()

        @app.get("/bare")
        async def bare() -> dict[str, str]:
            return {"status": "ok"}

        target: Any = app
    else:
        os.environ.update(settings_env(Dataset(Path(db), [], 0, {}), cache_seconds))
        target = create_app()
    uvicorn.run(
        target, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning", access_log=False
    )


class Server:
    def __init__(self, kind: str, dataset: Dataset, cache_seconds: float = 0.0) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--port", str(self.port), "--db", str(dataset.path),
             "--cache-seconds", str(cache_seconds)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{kind} server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class RawConnection:
    """A keep-alive HTTP/1.1 connection with next to no client-side cost, so the server is what is measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def get(self, path: str, token: str | None) -> int:
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return int(head[9:12])

    def close(self) -> None:
        self.writer.close()


async def http_latency(
    port: int, groups: list[tuple[str, list[Case]]], tokens: dict[int, str], count: int, *, prime: bool
) -> Latencies:
    connection = await RawConnection.open(port)
    results: Latencies = {}
    for name, items in groups:
        gc.collect()
        results[name] = percentiles(await timed(connection.get, items, tokens, count, seed=len(results), prime=prime))
    connection.close()
    return results


async def throughput(
    port: int, path: Callable[[random.Random], str], token: str | None, seconds: float, connections: int
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        connection = await RawConnection.open(port)
        while time.perf_counter() < deadline:
            if await connection.get(path(rng), token) != 200:
                raise RuntimeError("non-200 answer under load")
            done += 1
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(seed) for seed in range(connections)))
    return done / (time.perf_counter() - started)


# ---------------------------------------------------------------- main


def table(title: str, cold: Latencies, warm: Latencies, hit_ratios: dict[str, float] | None = None) -> None:
    print(f"\n{title}")
    hits = " warm hits" if hit_ratios else ""
    print(f"  {'request':<60} {'cold p50':>9} {'cold p99':>9} {'warm p50':>9} {'warm p99':>9}{hits}")
    for name, (p50, p99) in cold.items():
        w50, w99 = warm[name]
        ratio = f" {hit_ratios[name]:>9.0%}" if hit_ratios else ""
        print(f"  {name:<60} {p50:>9.2f} {p99:>9.2f} {w50:>9.2f} {w99:>9.2f}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--large-share", type=float, default=0.1, help="share of the orders in one large family")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per line, per mode")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each throughput run")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections in throughput runs")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds (median is shown)")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=Settings.model_fields["orders_cache_seconds"].default,
        help="the read cache's TTL in the warm throughput runs (the service's default unless given)",
    )
    parser.add_argument("--keep", type=Path, help="fill (or reuse) the database in this folder and keep it")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", choices=["bare", "lumina"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db, args.cache_seconds)
        return
    with tempfile.TemporaryDirectory(prefix="lumina-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        run(args, folder / "lumina.db")


def run(args: argparse.Namespace, path: Path) -> None:
    reuse = path.exists()
    print(
        f"{'reusing' if reuse else 'filling'} {path}: {args.orders:,} orders, {args.families:,} families",
        file=sys.stderr,
    )
    if reuse:
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))  # a file kept by an older version is brought up to date
        dataset = Dataset(path, list(range(1, args.families + 1)), 1, {f: f for f in range(1, args.families + 1)})
    else:
        dataset = fill(path, args.orders, args.families, args.large_share, args.seed)
    rng = random.Random(args.seed)
    sampled = rng.sample(dataset.families[1:], min(50, len(dataset.families) - 1)) or [dataset.large_family]
    sample_orders(dataset, [*sampled, dataset.large_family])
    groups = cases(dataset, sampled)
    tokens = tokens_for(dataset, [*sampled, dataset.large_family])
    size = path.stat().st_size / 1e9
    print(f"\nOrders API benchmark: {args.orders:,} orders, {args.families:,} families, SQLite file {size:.1f} GB")
    if not reuse:
        print(f"fill: {dataset.fill_seconds:.0f} s")
    large_count = int(args.orders * args.large_share) if args.families > 1 else args.orders
    typical_count = (args.orders - large_count) // max(1, args.families - 1)
    print(f"typical family: ~{typical_count:,} orders; large family: ~{large_count:,} orders")
    print(
        f"cold: the read cache off; warm: its answers, primed by one pass of the same requests (TTL {WARM_TTL:.0f} s "
        "so that none expires during the pass); the token and user checks are cached in both"
    )

    cold, _ = uvloop.run(in_process(dataset, groups, tokens, args.requests, cache_seconds=0))
    warm, hit_ratios = uvloop.run(in_process(dataset, groups, tokens, args.requests, cache_seconds=WARM_TTL))
    table(
        f"In-process (httpx ASGITransport through the whole app), {args.requests} requests per line, ms",
        cold,
        warm,
        hit_ratios,
    )
    servers = {
        "cold": Server("lumina", dataset, cache_seconds=0),
        "warm": Server("lumina", dataset, cache_seconds=WARM_TTL),
        "load": Server("lumina", dataset, cache_seconds=args.cache_seconds),
        "bare": Server("bare", dataset),
    }
    try:
        table(
            f"Over HTTP (uvicorn on 127.0.0.1, one keep-alive connection, sequential), {args.requests} per line, ms",
            uvloop.run(http_latency(servers["cold"].port, groups, tokens, args.requests, prime=False)),
            uvloop.run(http_latency(servers["warm"].port, groups, tokens, args.requests, prime=True)),
        )
        compare_throughput(args, dataset, tokens, sampled[0], servers)
    finally:
        for server in servers.values():
            server.stop()


def compare_throughput(
    args: argparse.Namespace, dataset: Dataset, tokens: dict[int, str], family: int, servers: dict[str, Server]
) -> None:
    token = tokens[family]
    order_ids = dataset.orders_of[family]
    cold, load = servers["cold"].port, servers["load"].port
    list_path = "/api/v1/orders?status=completed&orderBy=total&order=asc&limit=50"
    targets: list[tuple[str, int, Callable[[random.Random], str], str | None]] = [
        ("bare FastAPI endpoint", servers["bare"].port, lambda _r: "/bare", None),
        ("reference: auth/me (loads the user row)", cold, lambda _r: "/api/v1/auth/me", token),
        ("one order, cold", cold, lambda r: f"/api/v1/orders/{r.choice(order_ids)}", token),
        ("one order, warm", load, lambda r: f"/api/v1/orders/{r.choice(order_ids)}", token),
        ("stats, cold", cold, lambda _r: "/api/v1/orders/stats", token),
        ("stats, warm", load, lambda _r: "/api/v1/orders/stats", token),
        ("list status=completed, orderBy=total, cold", cold, lambda _r: list_path, token),
        ("list status=completed, orderBy=total, warm", load, lambda _r: list_path, token),
    ]
    rates: dict[str, list[float]] = {name: [] for name, *_ in targets}
    for _ in range(args.rounds):  # alternate, so that noise from other work on the machine hits all alike
        for name, target_port, target, target_token in targets:
            rate = uvloop.run(throughput(target_port, target, target_token, args.seconds, args.connections))
            rates[name].append(rate)
    bare_rate = statistics.median(rates["bare FastAPI endpoint"])
    print(
        f"\nHTTP throughput: {args.connections} connections, {args.rounds} x {args.seconds:.0f} s alternating rounds "
        f"(median), typical family, one uvicorn worker; warm = read cache on with its TTL of {args.cache_seconds} s "
        f"(one order: {len(order_ids)} ids at random)"
    )
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"  {name:<45} {rate:>8.0f} req/s   {rate / bare_rate:>6.0%} of bare")


if __name__ == "__main__":
    main()
