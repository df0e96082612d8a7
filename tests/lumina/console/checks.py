"""What a person would notice on a console page, measured in the page: chart labels cut off or run together, text
too faint to read against what is behind it."""

from __future__ import annotations

from playwright.async_api import Page

# Where the daily chart's labels are drawn, against the chart's own box.
CHART_LABELS = """() => {
  const svg = document.getElementById("daily-chart");
  const chart = svg.getBoundingClientRect();
  const box = (t) => t.getBoundingClientRect();
  const outside = [...svg.querySelectorAll("text")].map(box).filter((b) => b.left < chart.left - 0.5
    || b.right > chart.right + 0.5 || b.top < chart.top - 0.5 || b.bottom > chart.bottom + 0.5).length;
  const days = [...svg.querySelectorAll("text[text-anchor=middle]")].map(box).sort((a, b) => a.left - b.left);
  const overlapping = days.filter((b, i) => i > 0 && b.left < days[i - 1].right).length;
  const label = svg.querySelector("text");
  const shownPx = parseFloat(getComputedStyle(label).fontSize) * chart.width / svg.viewBox.baseVal.width;
  return { outside, overlapping, days: days.length, shownPx };
}"""
MIN_LABEL_PX = 11  # the smallest axis text a person can still read at arm's length

# WCAG 2 contrast of every piece of visible text (SVG text by its fill) against the first opaque background behind
# it: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). The failures, at most 20.
CONTRAST = """() => {
  const rgb = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || "");
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a >= 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const control = element.matches("input:not([type=checkbox]), select");
    if (!own && !control) continue;
    if (element.closest("[hidden], dialog:not([open]), details:not([open]) > :not(summary)")) continue;
    if (element.matches(":disabled") || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const fore = rgb(element instanceof SVGElement ? style.fill : style.color);
    if (!fore) continue;
    const back = behind(element);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const text = (element.value || element.textContent || "").trim().slice(0, 40);
      const where = `${element.tagName.toLowerCase()}.${element.getAttribute("class") || ""}`;
      failures.push(`${text} (${where}): ${ratio.toFixed(2)}`);
    }
  }
  return failures.slice(0, 20);
}"""


async def assert_chart_labels_readable(page: Page, *, at_least_px: float = MIN_LABEL_PX) -> None:
    """Every label of the daily chart inside the chart, the days apart from each other, none drawn smaller than
    `at_least_px`."""
    labels = await page.evaluate(CHART_LABELS)
    assert (labels["outside"], labels["overlapping"]) == (0, 0), labels
    assert labels["days"] >= 3, labels
    assert labels["shownPx"] >= at_least_px, labels


async def poorly_contrasted(page: Page) -> list[str]:
    found: list[str] = await page.evaluate(CONTRAST)
    return found
