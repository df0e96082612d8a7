"""A real headless Chromium for tests of what a person sees in a browser, and the service live on loopback.

The browser is Debian's `chromium` (`./scripts/test` installs it where it may), driven by Playwright with
`executable_path`: Playwright's own browser download cannot run on these machines. Where there is no Chromium the
browser tests skip with the reason, except in CI, where they fail. Every request the page makes outside the live
server is refused and recorded, so a test can prove a page needs no network.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

from lumina.app import create_app
from tests.conftest import make_settings
from tests.lumina.shops.servers import serve

__all__ = ["Offline", "browser", "live_server", "offline_page"]

CHROMIUM = Path(os.environ.get("LUMINA_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if not CHROMIUM.is_file():
        reason = f"no Chromium at {CHROMIUM}: ./scripts/test installs Debian's chromium when run as root with apt-get"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole service (its own SQLite file, start-up and shut-down) under uvicorn on a free port; its base URL."""
    folder = tmp_path_factory.mktemp("live")
    settings = make_settings(folder, f"sqlite:///{folder / 'lumina.db'}")
    yield from serve(create_app(settings), lifespan="on")


@dataclass
class Offline:
    """A page that may only talk to the live server; what it tried to fetch elsewhere is in `refused`, as
    (resource type, URL): "script", "stylesheet", "fetch", "image", ..."""

    page: Page
    base_url: str
    refused: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
async def offline_page(browser: Browser, live_server: str) -> AsyncIterator[Offline]:
    context = await browser.new_context()
    offline = Offline(await context.new_page(), live_server)

    async def only_the_live_server(route: Route) -> None:
        if route.request.url.startswith(live_server):
            await route.continue_()
        else:
            offline.refused.append((route.request.resource_type, route.request.url))
            await route.abort("internetdisconnected")

    await context.route("**/*", only_the_live_server)
    yield offline
    await context.close()
