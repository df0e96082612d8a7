"""The web console's speed in a real headless Chromium, against the whole service on loopback and the 3,000-order
demo shop: first paint, the signed-in orders table, and filter to result.

    .venv/bin/python bench/console.py            # 10 loads of each kind
    .venv/bin/python bench/console.py --loads 20

Each load is a new browser context (nothing cached: what a first visit costs), or, for "again", a reload in the
same context (the hashed assets from the browser's cache, as on every later visit). Figures are the browser's own
clocks (`performance`), from the start of navigation. Medians and spreads are printed; compare only within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from playwright.async_api import Browser, BrowserContext, Route, async_playwright

from lumina.app import create_app
from lumina.config import Environment, Settings
from lumina.demo import DEMO_EMAIL, DEMO_PASSWORD
from woosim import ShopConfig, ShopServer, SimulatedShop

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
STATUSES = ["processing", "completed", "on-hold", "pending", "cancelled"]

# In the page from its first byte: when the orders table first has rows (performance.now()).
TABLE_SHOWN = """
window.tableShownAt = new Promise((resolve) => {
  new MutationObserver((_, observer) => {
    if (document.querySelector("#orders-table tbody tr")) {
      observer.disconnect();
      resolve(performance.now());
    }
  }).observe(document, { childList: true, subtree: true });
});
"""
FIRST_PAINT = """() => new Promise((resolve) => {
  const found = () => performance.getEntriesByName("first-contentful-paint")[0];
  if (found()) return resolve(found().startTime);
  new PerformanceObserver(() => found() && resolve(found().startTime)).observe({ type: "paint", buffered: true });
})"""
# Changes the status filter and times until the orders table is replaced with the answer.
FILTER = """async (status) => {
  const results = document.getElementById("orders-results");
  const control = document.getElementById("status-filter");
  const done = new Promise((resolve) => new MutationObserver((_, observer) => {
    observer.disconnect();
    resolve(performance.now());
  }).observe(results, { childList: true }));
  const start = performance.now();
  control.value = status;
  control.dispatchEvent(new Event("change"));
  return (await done) - start;
}"""


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"{name:<64} median {statistics.median(ordered):7.0f} ms   min {ordered[0]:6.0f}   max {ordered[-1]:6.0f}"
        f"   (n={len(ordered)})"
    )


async def login(base_url: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base_url) as api:
        pair = (await api.post("/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})).json()
    return {"access": pair["accessToken"], "refresh": pair["refreshToken"], "user": pair["user"]}


async def new_context(browser: Browser, base_url: str, *, signed_in: bool, preload: bool) -> BrowserContext:
    """A fresh context (nothing cached). Signed in: its page starts with the tokens in sessionStorage, as after a
    reload. Without `preload`, the page's modulepreload links are taken out on the way (the comparison)."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    if signed_in:
        session = json.dumps(json.dumps(await login(base_url)))
        await context.add_init_script(f"sessionStorage.setItem('lumina.session', {session});")
    await context.add_init_script(TABLE_SHOWN)
    if not preload:

        async def without_preloads(route: Route) -> None:
            response = await route.fetch()
            page = re.sub(r'<link rel="modulepreload"[^>]*>\n?', "", await response.text())
            await route.fulfill(response=response, body=page)

        await context.route(f"{base_url}/", without_preloads)
    return context


WATERFALL = """() => performance.getEntriesByType("resource").map((e) => {
  const [start, end] = [e.startTime, e.responseEnd].map((t) => t.toFixed(0).padStart(5));
  return `${start} → ${end} ms  ${e.name.replace(location.origin, "")}`;
})"""


async def waterfall(browser: Browser, base_url: str) -> None:
    """When each request of a signed-in first visit started and ended, and when the page painted."""
    context = await new_context(browser, base_url, signed_in=True, preload=True)
    page = await context.new_page()
    await page.goto(base_url)
    shown = await page.evaluate("window.tableShownAt")
    paint = await page.evaluate(FIRST_PAINT)
    print("one signed-in first visit:")
    for line in await page.evaluate(WATERFALL):
        print(f"  {line}")
    print(f"  first contentful paint {paint:.0f} ms, table shown {shown:.0f} ms\n")
    await context.close()


async def visits(browser: Browser, base_url: str, keep: Callable[[str, float], None], *, preload: bool) -> None:
    """A first visit and a reload, signed out then signed in; with a signed-in page, filter to result."""
    tag = "" if preload else " [no modulepreload]"
    context = await new_context(browser, base_url, signed_in=False, preload=preload)
    page = await context.new_page()
    await page.goto(base_url)
    keep(f"sign-in page: first contentful paint{tag}", await page.evaluate(FIRST_PAINT))
    await page.reload()
    keep(f"sign-in page again: first contentful paint{tag}", await page.evaluate(FIRST_PAINT))
    await context.close()

    context = await new_context(browser, base_url, signed_in=True, preload=preload)
    page = await context.new_page()
    await page.goto(base_url)
    keep(f"orders, signed in: first contentful paint{tag}", await page.evaluate(FIRST_PAINT))
    keep(f"orders, signed in: table shown{tag}", await page.evaluate("window.tableShownAt"))
    await page.reload()
    keep(f"orders again: first contentful paint{tag}", await page.evaluate(FIRST_PAINT))
    keep(f"orders again: table shown{tag}", await page.evaluate("window.tableShownAt"))
    if preload:
        for status in STATUSES:
            keep("filter to result (3,000 orders)", await page.evaluate(FILTER, status))
    await context.close()


async def measure(base_url: str, loads: int, *, show_waterfall: bool) -> None:
    figures: dict[str, list[float]] = {}

    def keep(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        if show_waterfall:
            await waterfall(browser, base_url)
        for _ in range(loads):  # the two kinds of page alternate, so that both meet the same load
            await visits(browser, base_url, keep, preload=True)
            await visits(browser, base_url, keep, preload=False)
        await browser.close()
    for name in sorted(figures, key=lambda name: (name.replace(" [no modulepreload]", ""), name)):
        print(summary(name, figures[name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=10, help="page loads of each kind (default 10)")
    parser.add_argument("--waterfall", action="store_true", help="also print one signed-in first visit's requests")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        SimulatedShop(ShopConfig(seed=15, order_count=3000, days=20, timezone="Europe/Berlin")) as shop,
        ShopServer(shop) as shop_server,
    ):
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            lumina_env=Environment.DEMO,
            database_url=f"sqlite:///{Path(folder) / 'lumina.db'}",
            data_dir=Path(folder) / "data",
            jwt_secret=secrets.token_urlsafe(48),
            encryption_key=secrets.token_urlsafe(48),
            wc_store_url=shop_server.base_url,
            wc_consumer_key=shop.read_write_key.consumer_key,
            wc_consumer_secret=shop.read_write_key.consumer_secret,
            sync_requests_per_second=1000.0,
            scheduler_enabled=False,
            sync_on_startup=False,
            allow_private_shop_urls=True,
            retention_days=0,
            log_level="WARNING",
        )
        with served(settings) as base_url:
            with httpx.Client(base_url=base_url, timeout=300) as api:
                login = api.post("/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
                synced = api.post("/api/v1/orders/sync", headers={"Authorization": f"Bearer {login['accessToken']}"})
                synced.raise_for_status()
            print(f"console at {base_url}: {synced.json()['created']:,} orders synced; {args.loads} loads of each\n")
            asyncio.run(measure(base_url, args.loads, show_waterfall=args.waterfall))


if __name__ == "__main__":
    main()
