"""The console in a real headless Chromium against the service and a 3,000-order simulated shop over real HTTP:
what a family member and an operator do with it, how fast it answers, and how it looks on a phone and a desktop
(screenshots in .artifacts/screenshots/)."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Page, expect

from tests.lumina.console.checks import assert_chart_labels_readable
from tests.lumina.console.conftest import Console, signed_in_headers
from woosim import FaultRule, SimulatedShop

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")  # not drafts
# Generous bounds: the figures printed are what counts; these only catch a console gone badly wrong.
FIRST_PAINT_BOUND_MS = 1500
FILTER_BOUND_MS = 1500
PASSWORD = "a long enough password"  # a new user's

# Runs in the page: changes a control, then times until the orders table is replaced with the answer.
TIME_UNTIL_RESULTS = """async ([selector, value]) => {
  const results = document.getElementById("orders-results");
  const control = document.querySelector(selector);
  const done = new Promise((resolve) => new MutationObserver((_, observer) => {
    observer.disconnect();
    resolve(performance.now());
  }).observe(results, { childList: true }));
  const start = performance.now();
  control.value = value;
  control.dispatchEvent(new Event(control.tagName === "INPUT" ? "input" : "change"));
  return (await done) - start;
}"""


async def first_paint_ms(page: Page) -> float:
    paint: float = await page.evaluate(
        """() => new Promise((resolve) => {
          const found = () => performance.getEntriesByName("first-contentful-paint")[0];
          if (found()) return resolve(found().startTime);
          const observer = new PerformanceObserver(() => found() && resolve(found().startTime));
          observer.observe({ type: "paint", buffered: true });
        })"""
    )
    return paint


def amounts(texts: list[str]) -> list[float]:
    """Displayed money as numbers, only to compare their order ("$1,234.50" -> 1234.5)."""
    return [float(re.sub(r"[^\d.]", "", text)) for text in texts]


async def column(page: Page, index: int) -> list[str]:
    return await page.locator(f"#orders-table tbody tr td:nth-child({index})").all_inner_texts()


async def test_a_family_member_works_through_the_console(desktop: Console, shop: SimulatedShop) -> None:
    page = desktop.page
    await page.goto(desktop.base_url)
    paint = await first_paint_ms(page)
    print(f"\nconsole first contentful paint: {paint:.0f} ms")
    assert paint < FIRST_PAINT_BOUND_MS
    await desktop.screenshot("signin")

    await desktop.sign_in()
    assert await page.locator("#orders-table tbody tr").count() == 50
    summary = await page.inner_text("#orders-summary")
    assert summary == f"1–50 of {len(shop.order_ids(STATUSES)):,} orders"
    await desktop.screenshot("orders")

    await page.reload()  # the session survives a reload
    await page.wait_for_selector("#orders-table tbody tr")
    paint = await first_paint_ms(page)
    shown = await page.evaluate("performance.now()")
    print(f"signed-in reload: first contentful paint {paint:.0f} ms, orders table shown by {shown:.0f} ms")
    assert paint < FIRST_PAINT_BOUND_MS

    # Filter by status: every row is a processing order, and all the shop's processing orders are counted.
    took = await page.evaluate(TIME_UNTIL_RESULTS, ["#status-filter", "processing"])
    print(f"filter to result (3,000 orders, status=processing): {took:.0f} ms")
    assert took < FILTER_BOUND_MS
    assert {text.lower() for text in await column(page, 4)} == {"processing"}
    processing = len(shop.order_ids(("processing",)))
    assert await page.inner_text("#orders-summary") == f"1–50 of {processing:,} orders"

    # Sort by total: descending first, then ascending.
    await page.click("button[data-sort=total]")
    await page.wait_for_selector("th[aria-sort=descending] button[data-sort=total]")
    highest = amounts(await column(page, 5))
    assert highest == sorted(highest, reverse=True)
    await page.click("button[data-sort=total]")
    await page.wait_for_selector("th[aria-sort=ascending] button[data-sort=total]")
    lowest = amounts(await column(page, 5))
    assert lowest == sorted(lowest)
    assert lowest[0] <= highest[-1]

    # Search by a customer's email, over every status.
    await page.select_option("#status-filter", "")
    everything = f"1–50 of {len(shop.order_ids(STATUSES)):,} orders"
    await expect(page.locator("#orders-summary")).to_have_text(everything)
    wanted = shop.get_order(shop.order_ids()[0])
    email = wanted["billing"]["email"]
    took = await page.evaluate(TIME_UNTIL_RESULTS, ["#order-search", email.upper()])
    print(f"search to result ({email!r}, 150 ms typing pause included): {took:.0f} ms")
    customers = await page.locator("#orders-table tbody tr td:nth-child(3)").all_inner_texts()
    assert customers
    assert all(email in text for text in customers)
    await desktop.screenshot("orders-search")

    # Open the order and change its status: the confirmation says the customer gets an email; the shop has it.
    row = page.locator("#orders-table tbody tr").first
    number = (await row.locator("td").first.inner_text()).lstrip("#")
    await row.locator("a").click()
    await page.wait_for_selector("#change-status")
    assert (await page.inner_text("#view h1")).startswith(f"Order #{number}")
    order_id = int(page.url.rsplit("/", 1)[1])
    await desktop.screenshot("order")
    async with httpx.AsyncClient(base_url=desktop.base_url, headers=signed_in_headers(desktop.base_url)) as api:
        before = (await api.get(f"/api/v1/orders/{order_id}")).json()["order"]
    target = "on-hold" if before["status"] != "on-hold" else "completed"
    await page.select_option("#new-status", target)
    await page.click("#change-status")
    dialog = page.locator("dialog#confirm")
    await dialog.wait_for(state="visible")
    assert "email the customer" in await dialog.inner_text()
    await desktop.screenshot("order-confirm")
    await page.click("#confirm-ok")
    await page.wait_for_selector("#status-outcome .ok")
    assert (await page.inner_text("#order-status")).lower() == target.replace("-", " ")
    assert shop.get_order(before["woocommerce_order_id"])["status"] == target

    # The shop refuses the next change: its reason is shown plainly and nothing changes.
    refusal = shop.faults.add(FaultRule(kind="status", status=403, match="PUT /wp-json/wc/v3/orders"))
    try:
        await page.select_option("#new-status", "completed")
        await page.click("#change-status")
        await page.click("#confirm-ok")
        error = await page.wait_for_selector("#status-outcome .error")
        assert "The shop did not accept the status change" in await error.inner_text()
        await desktop.screenshot("order-refused")
    finally:
        shop.faults.remove(refusal)
    assert shop.get_order(before["woocommerce_order_id"])["status"] == target

    # Sync now, with its result.
    await page.click("a[data-section=sync]")
    await page.click("#sync-now")
    done = await page.wait_for_selector("#sync-result .ok")
    assert "Sync finished" in await done.inner_text()
    await page.wait_for_selector("#sync-state dd.run-succeeded")
    await desktop.screenshot("sync")

    # Statistics: a bar per day of the window, the counts by status.
    await page.click("a[data-section=stats]")
    await page.wait_for_selector("#daily-chart")
    assert await page.locator("#daily-chart rect.bar").count() == 30
    await assert_chart_labels_readable(page)
    tiles = await page.locator("#status-counts .figure").all_inner_texts()
    assert tiles[0] == f"{len(shop.order_ids(STATUSES)):,}"
    await desktop.screenshot("stats")

    await page.click("#signout")
    await page.wait_for_selector("#signin:not([hidden])")
    await page.reload()
    await page.wait_for_selector("#signin:not([hidden])")
    assert await page.locator("#orders-table").count() == 0
    assert (desktop.refused, desktop.errors) == ([], [])


async def test_an_operator_sees_a_failing_shop(desktop: Console, shop: SimulatedShop) -> None:
    page = desktop.page
    await desktop.sign_in()
    outage = shop.faults.add(FaultRule(kind="status", status=401, match="GET /wp-json/wc/v3/orders"))
    try:
        await page.click("a[data-section=sync]")
        await page.click("#sync-now")
        failed = await page.wait_for_selector("#sync-result .error")
        assert "The sync failed" in await failed.inner_text()
    finally:
        shop.faults.remove(outage)

    await page.click("a[data-section=admin]")
    failing = await page.wait_for_selector("#shops-table tr.failing")
    assert "failing (1)" in (await failing.inner_text()).lower()
    await page.wait_for_selector("#runs-table tbody tr")
    await page.select_option("#runs-status", "failed")
    await expect(page.locator("#runs-table tbody tr").filter(has_not_text="failed")).to_have_count(0)
    assert await page.locator("#runs-table tbody tr").count() >= 1
    await desktop.screenshot("admin")
    assert (desktop.refused, desktop.errors) == ([], [])


async def test_an_operator_links_a_family_to_a_shop_and_manages_its_users(desktop: Console) -> None:
    page = desktop.page
    await desktop.sign_in()
    await page.click("a[data-section=admin]")
    await page.wait_for_selector("#link-shop button[type=submit]")

    # A new family, not linked to the default shop: no shop yet.
    await page.fill("#new-family input[name=name]", "Berg family")
    await page.uncheck("#new-family input[name=linkDefaultShop]")
    await page.click("#new-family button[type=submit]")
    await expect(page.locator("#new-family .outcome")).to_have_text("Family Berg family created.")
    family = page.locator("#families .family").filter(has_text="Berg family")
    await expect(family.locator(".links")).to_have_text("No shop linked.")

    # Linked to the shop for two customers and an email: the scope is shown, and the API has it.
    family_id = await family.get_attribute("data-family")
    await page.select_option("#link-shop select[name=family]", family_id)
    await page.fill("#link-shop input[name=customers]", "12, 15")
    await page.fill("#link-shop input[name=emails]", "ada@example.com")
    await page.click("#link-shop button[type=submit]")
    await expect(page.locator("#link-shop .outcome")).to_have_text("Linked: customers 12, 15; ada@example.com.")
    await expect(family.locator(".links li")).to_contain_text("customers 12, 15; ada@example.com")
    async with httpx.AsyncClient(base_url=desktop.base_url, headers=signed_in_headers(desktop.base_url)) as api:
        links = (await api.get(f"/api/v1/admin/links?familyId={family_id}")).json()["links"]
    assert [(link["customerIds"], link["billingEmails"]) for link in links] == [([12, 15], ["ada@example.com"])]

    # A user for it; the same email again is refused, in the API's words.
    await page.fill("#new-user input[name=name]", "Greta Berg")
    await page.fill("#new-user input[name=email]", "greta@berg.example")
    await page.fill("#new-user input[name=password]", PASSWORD)
    await page.select_option("#new-user select[name=role]", "family_admin")
    await page.select_option("#new-user select[name=family]", family_id)
    await page.click("#new-user button[type=submit]")
    await expect(page.locator("#new-user .outcome")).to_have_text("greta@berg.example can sign in now.")
    greta = family.locator("tr", has_text="greta@berg.example")
    await expect(greta.locator("select")).to_have_value("family_admin")
    await page.click("#new-user button[type=submit]")
    refusal = page.locator("#new-user .outcome .error")
    await expect(refusal).to_contain_text("already")
    await desktop.screenshot("admin-writes")

    # Disabled: she can no longer sign in.
    await greta.locator("input[type=checkbox]").uncheck()
    await greta.get_by_role("button", name="Save").click()
    await expect(greta.locator(".error-cell")).to_have_text("Saved.")
    async with httpx.AsyncClient(base_url=desktop.base_url) as api:
        login = await api.post("/api/v1/auth/login", json={"email": "greta@berg.example", "password": PASSWORD})
    assert login.status_code == 401
    assert (desktop.refused, desktop.errors) == ([], [])


async def test_a_family_administrator_manages_only_its_family(desktop: Console) -> None:
    # The operator's part, through the API: a family linked to the shop for two customers, and its administrator.
    async with httpx.AsyncClient(base_url=desktop.base_url, headers=signed_in_headers(desktop.base_url)) as api:
        family = await api.post("/api/v1/admin/families", json={"name": "Okafor family", "linkDefaultShop": False})
        family_id = family.json()["family"]["id"]
        shop_id = (await api.get("/api/v1/admin/shops")).json()["shops"][0]["id"]
        linked = await api.put(f"/api/v1/admin/families/{family_id}/shops/{shop_id}", json={"customerIds": [12, 15]})
        assert linked.status_code == 201, linked.text
        user = {"familyId": family_id, "email": "ngozi@okafor.example", "name": "Ngozi", "password": PASSWORD}
        assert (await api.post("/api/v1/admin/users", json={**user, "role": "family_admin"})).status_code == 201

    page = desktop.page
    await desktop.sign_in("ngozi@okafor.example", PASSWORD, ready="#orders-summary:not(:empty)")
    await page.click("a[data-section=admin]")
    await page.wait_for_selector("#link-shop button[type=submit]")
    assert await page.locator("#shops-table").count() == 0  # the operator's shops and runs are not hers
    assert await page.locator("#families .family h3").all_inner_texts() == [f"Okafor family · #{family_id}"]
    assert await page.locator("#new-family").count() == 0
    roles = await page.locator("#new-user select[name=role] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert roles == ["member", "family_admin"]

    # Widening the scope is the operator's: refused, in the API's words. Narrowing it is hers.
    await page.fill("#link-shop input[name=customers]", "12, 15, 99")
    await page.click("#link-shop button[type=submit]")
    await expect(page.locator("#link-shop .outcome .error")).to_contain_text("may narrow this link's customer scope")
    await page.fill("#link-shop input[name=customers]", "12")
    await page.click("#link-shop button[type=submit]")
    await expect(page.locator("#link-shop .outcome")).to_have_text("Linked: customers 12.")
    await expect(page.locator("#families .links li")).to_contain_text("customers 12")
    await desktop.screenshot("admin-family")
    assert (desktop.refused, desktop.errors) == ([], [])
