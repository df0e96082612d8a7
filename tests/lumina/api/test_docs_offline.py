"""`/docs` and `/redoc` render in a real browser with no network: their scripts come from the service itself."""

from __future__ import annotations

from tests.browser import Offline

TIMEOUT_MS = 30_000


async def test_swagger_ui_lists_the_operations_with_no_network(offline_page: Offline) -> None:
    page = offline_page.page
    await page.goto(f"{offline_page.base_url}/docs")
    await page.wait_for_selector(".opblock-summary-path", timeout=TIMEOUT_MS)

    paths = await page.locator(".opblock-summary-path").all_inner_texts()

    assert {"/api/v1/auth/login", "/api/v1/orders", "/api/v1/orders/{order_id}"} <= {p.strip() for p in paths}
    assert offline_page.refused == []


async def test_redoc_shows_the_title_with_no_network(offline_page: Offline) -> None:
    page = offline_page.page
    await page.goto(f"{offline_page.base_url}/redoc")

    title = page.locator("h1", has_text="Lumina order sync")
    await title.first.wait_for(timeout=TIMEOUT_MS)

    # ReDoc's only outside request is the Redocly logo in its footer: decoration, not a part of the page.
    assert {kind for kind, _url in offline_page.refused} <= {"image"}
