// The family's statistics: counts by status, revenue per currency and the chart per day.
import { api } from "./api.js";
import { errorBox, h, mount } from "./dom.js";
import { STATUSES, ago, count, money, statusLabel } from "./format.js";
import { dailyChart } from "./chart.js";
import { coalesce, onLive } from "./live.js";

const DAYS = 30;

export function statsView(root) {
  mount(root, h("h1", {}, "Statistics"), h("p", { class: "muted" }, "Loading…"));
  const refresh = coalesce(() => show(root), 300);
  onLive((kind) => {
    if (kind !== "progress") refresh();
  });
  return show(root);
}

// The chart's width: the view's, less a card's padding and border (read from the page, which is laid out).
function chartWidth(root) {
  const probe = root.appendChild(h("section", { class: "card" }, h("div")));
  const width = probe.firstChild.getBoundingClientRect().width;
  probe.remove();
  return width;
}

async function show(root) {
  let stats, daily;
  try {
    [{ stats }, { daily }] = await Promise.all([api("/api/v1/orders/stats"), api(`/api/v1/orders/stats/daily?days=${DAYS}`)]);
  } catch (error) {
    mount(root, h("h1", {}, "Statistics"), errorBox(error));
    return;
  }
  const tiles = [["all", "All orders", stats.total_orders], ...STATUSES.map((s) => [s, statusLabel(s), stats[s.replace("-", "_")]])];
  if (stats.other) tiles.push(["other", "other", stats.other]);
  mount(root,
    h("h1", {}, "Statistics"),
    h("p", { class: "muted" }, `Last sync ${ago(stats.last_sync)}.`),
    h("section", { "aria-label": "Orders by status" },
      h("ul", { class: "tiles", id: "status-counts" }, tiles.map(([key, label, n]) =>
        h("li", { class: `tile s-${key}` }, h("span", { class: "figure" }, count(n)), h("span", {}, label))))),
    h("section", { class: "card", "aria-label": "Revenue" },
      h("h2", {}, "Revenue"),
      h("p", { class: "muted" }, "Processing, on-hold and completed orders, less refunds."),
      h("ul", { class: "tiles", id: "revenue" }, Object.entries(stats.revenue_by_currency).map(([currency, amount]) =>
        h("li", { class: "tile" }, h("span", { class: "figure" }, money(amount, currency)), h("span", {}, currency))))),
    h("section", { class: "card" },
      h("h2", {}, `The last ${DAYS} days`),
      dailyChart(daily, chartWidth(root))));
}
