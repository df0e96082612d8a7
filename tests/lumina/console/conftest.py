"""The console's fixtures: a 3,000-order simulated shop over real HTTP, the whole service (the demo's account, the
shop as its default shop) under uvicorn on a free port, synced once, and browser pages that may reach nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Route

from lumina.app import create_app
from lumina.config import Environment
from lumina.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser import browser
from tests.conftest import make_settings
from tests.lumina.shops.servers import serve
from tests.paths import PROJECT
from woosim import ShopConfig, ShopServer, SimulatedShop

__all__ = ["Console", "browser", "console_server", "shop", "signed_in_headers"]

SCREENSHOTS = PROJECT / ".artifacts" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WALL = {"width": 2560, "height": 1440}  # a dashboard on the wall: the console's large type


@pytest.fixture(scope="module")
def shop() -> Iterator[SimulatedShop]:
    # 3,000 orders in 20 days: all within the first sync's 30 days.
    with SimulatedShop(ShopConfig(seed=15, order_count=3000, days=20, timezone="Europe/Berlin")) as simulated:
        yield simulated


@pytest.fixture(scope="module")
def console_server(shop: SimulatedShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with the demo's account (an administrator) and the simulated shop as its default shop, its
    syncs in their child process, after one full sync."""
    with ShopServer(shop) as shop_server:
        folder = tmp_path_factory.mktemp("console")
        settings = make_settings(
            folder,
            f"sqlite:///{folder / 'lumina.db'}",
            lumina_env=Environment.DEMO,
            wc_store_url=shop_server.base_url,
            wc_consumer_key=shop.read_write_key.consumer_key,
            wc_consumer_secret=shop.read_write_key.consumer_secret,
            sync_requests_per_second=1000.0,
            retention_days=0,
            sync_isolation="process",  # as `lumina serve` runs it: the live events come from the child
        )
        for base_url in serve(create_app(settings), lifespan="on"):
            synced = httpx.post(f"{base_url}/api/v1/orders/sync", headers=signed_in_headers(base_url), timeout=120)
            assert synced.status_code == 200, synced.text
            yield base_url


def signed_in_headers(base_url: str) -> dict[str, str]:
    login = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['accessToken']}"}


@dataclass
class Console:
    """A browser page on the console that may only reach the service; what it tried elsewhere is in `refused`."""

    page: Page
    base_url: str
    size: str
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the page's uncaught errors

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.size}.png"
        await self.page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the picture
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def sign_in(
        self, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD, *, ready: str = "#orders-table tbody tr"
    ) -> None:
        """Signs in on the page, and waits until `ready` shows: by default, the orders' rows."""
        await self.page.goto(self.base_url)
        await self.page.fill("input[name=email]", email)
        await self.page.fill("input[name=password]", password)
        await self.page.click("#signin button[type=submit]")
        try:
            await self.page.wait_for_selector(ready)
        except Exception:
            print(self.errors, await self.page.inner_text("body"))
            await self.screenshot("failed")
            raise


async def _console(browser: Browser, base_url: str, size: str, viewport: dict[str, int]) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport=viewport, locale="en-US", timezone_id="America/New_York")
    context.set_default_timeout(30_000)
    console = Console(await context.new_page(), base_url, size)
    console.page.on("pageerror", lambda error: console.errors.append(str(error)))

    async def only_the_service(route: Route) -> None:
        if route.request.url.startswith(base_url):
            await route.continue_()
        else:
            console.refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_the_service)
    yield console
    await context.close()


@pytest.fixture
async def desktop(browser: Browser, console_server: str) -> AsyncIterator[Console]:
    async for console in _console(browser, console_server, "desktop", DESKTOP):
        yield console


@pytest.fixture
async def phone(browser: Browser, console_server: str) -> AsyncIterator[Console]:
    async for console in _console(browser, console_server, "phone", PHONE):
        yield console


@pytest.fixture
async def wall(browser: Browser, console_server: str) -> AsyncIterator[Console]:
    async for console in _console(browser, console_server, "wall", WALL):
        yield console
