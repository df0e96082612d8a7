"""Writer benchmark: the CPU a page of orders costs the sync's writer alone, on SQLite or PostgreSQL.

    .venv/bin/python bench/writer.py                                   # 10,000 orders, 5 rounds: about a minute
    .venv/bin/python bench/writer.py --database postgresql      # a fresh database on LUMINA_BENCH_PG each round
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/writer.py     # another version of the code

The orders are a simulated shop's (`woosim serve --pregenerate`), listed once through `WooClient` in pages of the
sync's size and parsed as the sync parses them, before anything is measured. Each round migrates a fresh database,
links one family to a shop and writes every page with `write_routed`, one transaction a page, as a backfill's
first pages are written; it prints the CPU per order of the event loop's thread and of the whole process (with
SQLite's thread; PostgreSQL's server is not counted), per round and their medians. Without the shop's answers and
the scanner around it, a round moves far less from run to run than `backfill.py`: compare two versions of the
writer here, alternating, in one session.

    .venv/bin/python bench/writer.py --orders 20000 --pages-per-transaction 4 --wal-frames

`--pages-per-transaction` writes that many pages in each transaction, as the scanner's group commit does.
`--wal-frames` (SQLite) turns the WAL's checkpoint off for the round and prints how many pages the commits wrote to
it per order, for each quarter of the round: what a transaction's index pages cost as the table grows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from lumina.db import Database
from lumina.db import session as db_session
from lumina.db.migrate import upgrade
from lumina.kit.heap import settle_after_startup
from lumina.models import Family, FamilyShop, ShopConnection
from lumina.sync.reader import PER_PAGE
from lumina.sync.routing import Route
from lumina.sync.writer import write_routed
from lumina.woocommerce import ORDER_STATUSES, OrderQuery, WooOrder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backfill  # the shop, its client and the PostgreSQL server are backfill.py's


async def list_pages(url: str, orders: int) -> list[list[WooOrder]]:
    pages: list[list[WooOrder]] = []
    async with backfill.bench_client(url, concurrency=1) as client:
        for page in range(1, orders // PER_PAGE + 2):
            query = OrderQuery(orderby="id", statuses=ORDER_STATUSES, per_page=PER_PAGE, page=page)
            listed = await client.list_orders(query)
            if listed.orders:
                pages.append(listed.orders)
            if len(listed) < PER_PAGE:
                return pages
    return pages


async def write_round(
    database_url: str, pages: list[list[WooOrder]], *, together: int = 1, wal: Path | None = None
) -> tuple[float, float]:
    """One round into a fresh database, `together` pages a transaction: CPU seconds of the event loop's thread
    and of the process. With `wal` (the SQLite database's WAL file, its checkpoint off), prints the frames the
    commits wrote to it per order, per quarter of the round."""
    database = Database(database_url)
    try:
        await upgrade(database)
        async with database.transaction() as session:
            shop = ShopConnection(name="bench", url="http://127.0.0.1:9", consumer_key_encrypted="-",
                                  consumer_secret_encrypted="-", key_hint="-")  # fmt: skip
            family = Family(name="Bench family")
            session.add_all([shop, family])
            await session.flush()
            session.add(FamilyShop(family_id=family.id, shop_id=shop.id))
            shop_id, routes = shop.id, [Route(family.id)]
        settle_after_startup()
        frames, written = WalFrames(wal), 0
        loop_before, process_before = time.thread_time(), time.process_time()
        for start in range(0, len(pages), together):
            async with database.transaction() as session:
                for orders in pages[start : start + together]:
                    await write_routed(session, shop_id, routes, orders, retention_cutoff=None)
                    written += len(orders)
            frames.mark(written)
        spent = time.thread_time() - loop_before, time.process_time() - process_before
        frames.report()
        return spent
    finally:
        await database.dispose()


class WalFrames:
    """WAL frames written per order, from the WAL file's size after each transaction (its checkpoint off)."""

    FRAME = 24 + 4096  # a frame's header and a page of the default size

    def __init__(self, wal: Path | None) -> None:
        self.wal = wal
        self.marks = [(0, self._frames())]

    def _frames(self) -> int:
        size = self.wal.stat().st_size if self.wal is not None and self.wal.exists() else 0
        return max(size - 32, 0) // self.FRAME

    def mark(self, orders: int) -> None:
        if self.wal is not None:
            self.marks.append((orders, self._frames()))

    def report(self) -> None:
        if self.wal is None or len(self.marks) < 2:
            return
        cuts = [self.marks[len(self.marks) * part // 4] for part in range(4)] + [self.marks[-1]]
        parts = [f"{a // 1000}k-{b // 1000}k {(fb - fa) / max(b - a, 1):.2f}" for (a, fa), (b, fb) in pairwise(cuts)]
        total = (self.marks[-1][1] - self.marks[0][1]) / max(self.marks[-1][0], 1)
        print(f"WAL frames per order: {total:.2f} ({', '.join(parts)})")


async def main(args: argparse.Namespace) -> None:
    shop_process, url = backfill.start_shop(args.orders, 0, args.days)
    try:
        pages = await list_pages(url, args.orders)
    finally:
        backfill.stop_shop(shop_process)
    orders = sum(len(page) for page in pages)
    loop_costs, process_costs = [], []
    for round_number in range(1, args.rounds + 1):
        workdir = Path(tempfile.mkdtemp(prefix="lumina-writer-"))
        database = f"bench_writer_{os.getpid()}"
        try:
            if args.database == "postgresql":
                await backfill.admin_sql(f'CREATE DATABASE "{database}"')
                url = f"postgresql+asyncpg://{backfill.PG_SERVER}/{database}"
            else:
                url = f"sqlite+aiosqlite:///{workdir / 'writer.db'}"
            wal = workdir / "writer.db-wal" if args.wal_frames and args.database == "sqlite" else None
            loop, process = await write_round(url, pages, together=args.pages_per_transaction, wal=wal)
        finally:
            if args.database == "postgresql":
                await backfill.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)
        loop_costs.append(1e6 * loop / orders)
        process_costs.append(1e6 * process / orders)
        print(f"round {round_number}: {orders} orders in {len(pages)} pages, event loop {loop_costs[-1]:.1f} µs, "
              f"process {process_costs[-1]:.1f} µs an order")  # fmt: skip
    print(f"medians: event loop {statistics.median(loop_costs):.1f} µs, process {statistics.median(process_costs):.1f} "
          "µs an order")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pages-per-transaction", type=int, default=1)
    parser.add_argument("--wal-frames", action="store_true", help="SQLite: the WAL's frames per order, no checkpoint")
    arguments = parser.parse_args()
    if arguments.wal_frames:
        db_session.SQLITE_WAL_AUTOCHECKPOINT_PAGES = 0  # read by each new connection: the WAL keeps every frame
    asyncio.run(main(arguments))
