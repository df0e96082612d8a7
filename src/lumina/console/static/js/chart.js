// Orders (bars) and revenue (line) per day as inline SVG; the figures are also in a table for screen readers.
import { h, s } from "./dom.js";
import { count, day, money } from "./format.js";

// Drawn at the width it is shown at (one unit a CSS pixel), so that its labels keep their size on a phone and on a
// wall display, and the margins are made for the labels they hold.
const CHAR = 0.62; // a digit's width for a font size of 1 (system sans-serif, tabular figures)

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
}

const textWidth = (text, font) => String(text).length * CHAR * font;

export function dailyChart(daily, width) {
  const series = daily.series;
  const font = 0.75 * parseFloat(getComputedStyle(document.documentElement).fontSize); // the CSS's .axis size
  const W = Math.max(280, Math.round(width));
  const H = Math.round(Math.min(360, Math.max(200, W * 0.34)));
  const maxOrders = niceMax(Math.max(...series.map((d) => d.orders)));
  // Revenue only scales the line: the figures shown are the API's decimal strings, never these floats.
  const maxRevenue = niceMax(Math.max(...series.map((d) => Number(d.revenue))));
  const levels = [0, 0.5, 1];
  const left = levels.map((f) => count(f * maxOrders));
  const right = levels.map((f) => compact(f * maxRevenue, daily.currency));
  const PAD = { top: Math.ceil(font), bottom: Math.ceil(font * 2.4),
    left: Math.ceil(Math.max(...left.map((t) => textWidth(t, font))) + 10),
    right: Math.ceil(Math.max(...right.map((t) => textWidth(t, font))) + 10) };
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / series.length;
  const x = (i) => PAD.left + i * step;
  const yOrders = (n) => PAD.top + plotH - (n / maxOrders) * plotH;
  const yRevenue = (r) => PAD.top + plotH - (r / maxRevenue) * plotH;
  const tickWidth = Math.max(...series.map((d) => textWidth(day(d.date), font))) + font;
  const labelEvery = Math.max(1, Math.ceil(series.length / Math.max(1, Math.floor(plotW / tickWidth))));

  const bars = series.map((d, i) =>
    s("rect", { class: "bar", x: (x(i) + step * 0.15).toFixed(1), y: yOrders(d.orders).toFixed(1),
      width: (step * 0.7).toFixed(1), height: (PAD.top + plotH - yOrders(d.orders)).toFixed(1) },
    s("title", {}, `${day(d.date)}: ${count(d.orders)} orders, ${money(d.revenue, daily.currency)}`)));
  const line = series.map((d, i) => `${i ? "L" : "M"}${(x(i) + step / 2).toFixed(1)},${yRevenue(Number(d.revenue)).toFixed(1)}`).join(" ");
  const grid = levels.map((f, i) => {
    const y = PAD.top + plotH - f * plotH;
    return [
      s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      s("text", { class: "axis orders-axis", x: PAD.left - 6, y: y + font / 3, "text-anchor": "end" }, left[i]),
      s("text", { class: "axis revenue-axis", x: W - PAD.right + 6, y: y + font / 3 }, right[i]),
    ];
  });
  // Day labels from the right end (today is always named), centred but never past the chart's edges.
  const ticks = series.map((d, i) => ((series.length - 1 - i) % labelEvery === 0
    ? s("text", { class: "axis day-axis", x: Math.min(W - tickWidth / 2, Math.max(tickWidth / 2, x(i) + step / 2)).toFixed(1),
      y: H - font * 0.8, "text-anchor": "middle" }, day(d.date)) : null));
  const total = series.reduce((n, d) => n + d.orders, 0);

  return h("figure", { class: "chart" },
    s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", id: "daily-chart",
      "aria-label": `Orders and revenue per day over ${daily.days} days: ${count(total)} orders` },
    grid, bars, s("path", { class: "revenue", d: line }), ticks),
    h("figcaption", {}, h("span", { class: "key key-orders" }, "Orders"), " ",
      h("span", { class: "key key-revenue" }, `Revenue${daily.currency ? ` (${daily.currency})` : ""}`)),
    h("details", {}, h("summary", {}, "Figures"),
      h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col", class: "num" }, "Orders"), h("th", { scope: "col", class: "num" }, "Revenue"))),
        h("tbody", {}, series.map((d) => h("tr", {}, h("td", {}, day(d.date)), h("td", { class: "num" }, count(d.orders)),
          h("td", { class: "num" }, Object.entries(d.revenueByCurrency).map(([c, v]) => money(v, c)).join(", ") || "—"))))))));
}

function compact(value, currency) {
  if (!currency) return count(value);
  return new Intl.NumberFormat(undefined, { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 }).format(value);
}
