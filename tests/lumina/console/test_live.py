"""Live updates in a real headless Chromium: what the shop changes reaches the open console through the event
stream, without a reload: the orders list, the open order, the statistics, a sync's progress; and the stream comes
back with a new ticket after it drops."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Route, expect

from tests.lumina.console.conftest import Console, signed_in_headers
from tests.lumina.sync.support import ONE_PAGE_IN, hold_listing
from woosim import SimulatedShop

# In the page from its first byte: every state the live indicator goes through, in order.
RECORD_LIVE_STATES = """
window.liveStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  new MutationObserver(() => window.liveStates.push(live.dataset.state))
    .observe(live, { attributes: true, attributeFilter: ["data-state"] });
});
"""


async def synced(base_url: str) -> None:
    """A sync of the family's shop through the API, as the scheduler would run it: not from the console."""
    async with httpx.AsyncClient(base_url=base_url, headers=signed_in_headers(base_url), timeout=120) as api:
        response = await api.post("/api/v1/orders/sync")
    assert response.status_code == 200, response.text


async def woocommerce_id(base_url: str, order_id: str | None) -> int:
    async with httpx.AsyncClient(base_url=base_url, headers=signed_in_headers(base_url)) as api:
        woo_id: int = (await api.get(f"/api/v1/orders/{order_id}")).json()["order"]["woocommerce_order_id"]
    return woo_id


async def newest_changed_in_shop(desktop: Console, shop: SimulatedShop) -> tuple[str | None, int, str]:
    """The first order listed gets another status in the shop, and a sync brings it: its id, WooCommerce id and
    new status."""
    order_id = await desktop.page.locator("#orders-table tbody tr").first.get_attribute("data-id")
    woo_id = await woocommerce_id(desktop.base_url, order_id)
    target = "on-hold" if shop.get_order(woo_id)["status"] != "on-hold" else "processing"
    shop.clock.advance(5)
    shop.update_order(woo_id, status=target)
    await synced(desktop.base_url)
    return order_id, woo_id, target


async def test_a_change_in_the_shop_appears_in_the_open_console(desktop: Console, shop: SimulatedShop) -> None:
    page = desktop.page
    await desktop.sign_in()
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    await page.evaluate("window.notReloaded = true")

    # The list: the newest order changes status in the shop; a sync brings it, the row shows it, marked.
    order_id, woo_id, target = await newest_changed_in_shop(desktop, shop)
    changed = page.locator(f"#orders-table tbody tr.changed[data-id='{order_id}'] td:nth-child(4)")
    await expect(changed).to_have_text(target.replace("-", " "), ignore_case=True)
    await desktop.screenshot("orders-live")

    # The open order: its status and the note that the shop changed it.
    await page.locator(f"#orders-table tbody tr[data-id='{order_id}'] a").click()
    await page.wait_for_selector("#change-status")
    shop.clock.advance(5)
    shop.update_order(woo_id, status="completed")
    await synced(desktop.base_url)
    await expect(page.locator("#order-status")).to_have_text("completed", ignore_case=True)
    await expect(page.locator("#status-outcome")).to_contain_text("Changed in the shop: now completed")

    # The statistics: one processing order fewer once the shop completes one.
    await page.click("a[data-section=stats]")
    processing = page.locator("#status-counts .s-processing .figure")
    before = int((await processing.inner_text()).replace(",", ""))
    woo_processing = next(i for i in shop.order_ids(("processing",)) if i != woo_id)
    shop.clock.advance(5)
    shop.update_order(woo_processing, status="completed")
    await synced(desktop.base_url)
    await expect(processing).to_have_text(f"{before - 1:,}")
    assert await page.evaluate("window.notReloaded") is True
    assert (desktop.refused, desktop.errors) == ([], [])


async def test_sync_now_shows_its_progress_and_the_last_runs(desktop: Console, shop: SimulatedShop) -> None:
    page = desktop.page
    await desktop.sign_in()
    await page.click("a[data-section=sync]")
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    await page.wait_for_selector("#family-runs tbody tr")
    # Enough changed orders for several pages; the shop answers the one-order probe that finds them changed and the
    # first page, then holds the others.
    shop.clock.advance(5)
    shop.bulk_update(shop.order_ids(("processing",))[:250], customer_note="Changed in bulk")
    hold = hold_listing(shop, skip=1 + ONE_PAGE_IN)
    try:
        await page.click("#sync-now")
        await expect(page.locator("#sync-progress .progress-text")).to_have_text(
            re.compile(r"Syncing: [1-9]\d* pages? read, [1-9][\d,]* of [\d,]+ orders so far")
        )
        assert await page.locator("#sync-now").is_disabled()
        await expect(page.locator("#sync-state")).to_contain_text("Syncing…")
        await desktop.screenshot("sync-progress")
    finally:
        hold.release()
        shop.faults.remove(hold)
    await expect(page.locator("#sync-result .ok")).to_contain_text("Sync finished")
    await expect(page.locator("#sync-progress")).to_be_empty()
    await expect(page.locator("#family-runs tbody tr").first).to_contain_text("succeeded")
    assert (desktop.refused, desktop.errors) == ([], [])


async def test_the_stream_comes_back_with_a_new_ticket_after_it_drops(desktop: Console, shop: SimulatedShop) -> None:
    page = desktop.page
    tickets: list[str] = []
    page.on("request", lambda request: tickets.append(request.url) if request.url.endswith("/events/ticket") else None)
    await page.add_init_script(RECORD_LIVE_STATES)
    streams = 0

    async def first_one_ends(route: Route) -> None:
        """The first stream ends right after it opened, as when a proxy or a restart cuts it; the others go on."""
        nonlocal streams
        streams += 1
        if streams > 1:
            await route.continue_()
            return
        await route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=": connected\n\n")

    await page.route("**/api/v1/orders/events?ticket=*", first_one_ends)
    await desktop.sign_in()
    await page.wait_for_function("() => window.liveStates.join(' ').includes('live offline connecting live')")
    await expect(page.locator("#live")).to_have_text("Live")
    assert (streams, len(tickets)) == (2, 2)  # each connection on a ticket of its own

    # Changes in the shop reach the console through the new stream.
    order_id, _, target = await newest_changed_in_shop(desktop, shop)
    cell = page.locator(f"#orders-table tbody tr[data-id='{order_id}'] td:nth-child(4)")
    await expect(cell).to_have_text(target.replace("-", " "), ignore_case=True)
    assert (desktop.refused, desktop.errors) == ([], [])
