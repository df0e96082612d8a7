"""How the console looks and answers the keyboard, in a real headless Chromium: every page on a phone without
sideways scrolling and with a readable chart, text readable in light and dark, focus always visible, and the
confirmation dialog holding the focus until Escape closes it. Screenshots in .artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from lumina.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.lumina.console.checks import assert_chart_labels_readable, poorly_contrasted
from tests.lumina.console.conftest import Console

PHONE_WIDTH = 390
WALL_WIDTH = 2560
WALL_TEXT_PX = 20  # body text on a wall display, read from a few metres away
# Each page, and what shows once its data is in.
PAGES = {
    "orders": "#orders-table tbody tr",
    "stats": "#daily-chart",
    "sync": "#family-runs tbody tr, #sync-runs p",
    "admin": "#runs-table tbody tr",
}
FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""
IN_DIALOG = "() => Boolean(document.activeElement && document.activeElement.closest('dialog[open]'))"


async def test_every_page_fits_a_phone(phone: Console) -> None:
    page = phone.page
    await page.goto(phone.base_url)
    await phone.screenshot("signin")
    await phone.sign_in()
    for name, ready in PAGES.items():
        await page.goto(f"{phone.base_url}/#/{name}")
        await page.wait_for_selector(ready)
        # Nothing wider than the screen: tables scroll inside their own box, the page itself never sideways.
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, name
        if name == "stats":
            await assert_chart_labels_readable(page)
        await phone.screenshot(name)
    shops = page.locator("#shops-table").locator("xpath=..")
    assert await shops.evaluate("box => box.scrollWidth > box.clientWidth")  # its columns are a swipe away
    await page.goto(f"{phone.base_url}/#/orders")
    await page.locator("#orders-table tbody tr a").first.click()
    await page.wait_for_selector("#change-status")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    await phone.screenshot("order")
    assert (phone.refused, phone.errors) == ([], [])


async def test_every_page_reads_from_across_the_room_on_a_wall_display(wall: Console) -> None:
    page = wall.page
    await wall.sign_in()
    for name, ready in PAGES.items():
        await page.goto(f"{wall.base_url}/#/{name}")
        await page.wait_for_selector(ready)
        assert await page.evaluate("document.documentElement.scrollWidth") <= WALL_WIDTH, name
        assert await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= WALL_TEXT_PX
        if name == "stats":
            await assert_chart_labels_readable(page, at_least_px=WALL_TEXT_PX * 0.75)
        await wall.screenshot(name)
    assert (wall.refused, wall.errors) == ([], [])


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_text_is_readable_in_light_and_dark(desktop: Console, scheme: str) -> None:
    page = desktop.page
    await page.emulate_media(color_scheme=scheme)
    await desktop.sign_in()
    for name, ready in PAGES.items():
        await page.goto(f"{desktop.base_url}/#/{name}")
        await page.wait_for_selector(ready)
        assert await poorly_contrasted(page) == [], name
        await desktop.screenshot(f"{name}-{scheme}")
    await page.goto(f"{desktop.base_url}/#/orders")
    await page.locator("#orders-table tbody tr a").first.click()
    await page.wait_for_selector("#change-status")
    assert await poorly_contrasted(page) == [], "order"


async def test_the_keyboard_reaches_everything_and_the_dialog_holds_it(desktop: Console) -> None:
    page = desktop.page
    await page.goto(desktop.base_url)
    await expect(page.locator("input[name=email]")).to_be_focused()
    await page.keyboard.type(DEMO_EMAIL)
    await page.keyboard.press("Tab")
    await page.keyboard.type(DEMO_PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#orders-table tbody tr")

    for _ in range(6):  # skip link, sections, sign out, filters: each shows where the focus is
        await page.keyboard.press("Tab")
        assert await page.evaluate(FOCUS_VISIBLE), await page.evaluate("document.activeElement.outerHTML")

    await page.focus("#orders-table tbody tr a")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#change-status")
    status = await page.inner_text("#order-status")
    await page.select_option("#new-status", "cancelled" if status.lower() != "cancelled" else "completed")
    await page.focus("#change-status")
    await page.keyboard.press("Enter")
    await expect(page.locator("dialog#confirm")).to_be_visible()
    for _ in range(5):
        await page.keyboard.press("Tab")
        assert await page.evaluate(IN_DIALOG)
        assert await page.evaluate(FOCUS_VISIBLE)
    await page.keyboard.press("Escape")
    await expect(page.locator("dialog#confirm")).to_be_hidden()
    await expect(page.locator("#change-status")).to_be_focused()
    assert await page.inner_text("#order-status") == status
    assert await page.inner_text("#status-outcome") == ""
    assert (desktop.refused, desktop.errors) == ([], [])
