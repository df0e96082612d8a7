// The family's orders: a table with status filter, search, sorting by each column and paging; an order's detail
// with its status change.
import { api } from "./api.js";
import { errorBox, h, mount, table } from "./dom.js";
import { STATUSES, count, money, statusLabel, when } from "./format.js";
import { confirm } from "./confirm.js";
import { coalesce, onLive } from "./live.js";

const PAGE = 50;
const COLUMNS = [
  { key: "woocommerce_order_id", label: "Order", cell: (o) => h("a", { href: `#/orders/${o.id}` }, `#${o.number}`) },
  { key: "date_created", label: "Date", cell: (o) => when(o.date_created), class: "wide" },
  { key: "customer_name", label: "Customer", cell: (o) => [o.customer_name || "—", h("small", { class: "wide" }, o.billing_email || "")] },
  { key: "status", label: "Status", cell: (o) => badge(o.status) },
  { key: "total", label: "Total", cell: (o) => money(o.total, o.currency), class: "num" },
];

export const badge = (status) => h("span", { class: `badge s-${status}` }, statusLabel(status));

// The list's state survives leaving for an order and coming back.
const state = { status: "", search: "", orderBy: "date_created", order: "desc", offset: 0 };
let requestSeq = 0;

export function ordersView(root) {
  const statusSelect = h("select", { id: "status-filter", "aria-label": "Status" },
    h("option", { value: "" }, "All statuses"),
    STATUSES.map((s) => h("option", { value: s }, statusLabel(s))));
  statusSelect.value = state.status;
  const search = h("input", {
    id: "order-search", type: "search", placeholder: "Order number, customer or email", "aria-label": "Search orders",
    value: state.search, maxlength: 100,
  });
  const summary = h("p", { class: "muted", id: "orders-summary", "aria-live": "polite" });
  const results = h("div", { id: "orders-results" });
  const pager = h("div", { class: "pager" });
  // Orders the shop changed since the last answer (WooCommerce ids from the live events), marked when shown.
  const changed = new Set();
  const reload = coalesce(load);
  onLive((kind, data) => {
    if (kind === "order") changed.add(data.id);
    if (kind === "order" || kind === "orders" || (kind === "sync" && (data.created || data.updated || data.deleted))) reload();
  });

  async function load() {
    const seq = ++requestSeq;
    const params = new URLSearchParams({ limit: PAGE, offset: state.offset, orderBy: state.orderBy, order: state.order });
    if (state.status) params.set("status", state.status);
    if (state.search) params.set("search", state.search);
    root.setAttribute("aria-busy", "true");
    try {
      const body = await api(`/api/v1/orders?${params}`);
      if (seq !== requestSeq) return; // a newer request is on its way
      render(body);
    } catch (error) {
      if (seq === requestSeq) mount(results, errorBox(error));
    } finally {
      if (seq === requestSeq) root.removeAttribute("aria-busy");
    }
  }

  function sortButton(column) {
    const active = state.orderBy === column.key;
    const arrow = active ? (state.order === "asc" ? " ▲" : " ▼") : "";
    return h("th", { scope: "col", class: column.class, "aria-sort": active ? (state.order === "asc" ? "ascending" : "descending") : "none" },
      h("button", {
        type: "button", class: "sort", "data-sort": column.key,
        onclick: () => {
          state.order = active && state.order === "desc" ? "asc" : active ? "desc" : column.key === "customer_name" ? "asc" : "desc";
          state.orderBy = column.key;
          state.offset = 0;
          load();
        },
      }, column.label, arrow));
  }

  function render(body) {
    const first = body.count ? state.offset + 1 : 0;
    const last = state.offset + body.orders.length;
    summary.textContent = body.count ? `${count(first)}–${count(last)} of ${count(body.count)} orders` : "No orders match.";
    const rows = body.orders.map((o) => h("tr", { "data-id": o.id, class: changed.has(o.woocommerce_order_id) ? "changed" : null },
      COLUMNS.map((c) => h("td", { class: c.class }, c.cell(o)))));
    changed.clear();
    mount(results, table(COLUMNS.map(sortButton), rows, { class: "orders", id: "orders-table" }));
    mount(pager,
      h("button", { type: "button", class: "quiet", disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, "← Newer"),
      h("button", { type: "button", class: "quiet", id: "next-page", disabled: last >= body.count, onclick: () => { state.offset += PAGE; load(); } }, "Older →"));
  }

  statusSelect.addEventListener("change", () => {
    state.status = statusSelect.value;
    state.offset = 0;
    load();
  });
  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.search = search.value.trim();
      state.offset = 0;
      load();
    }, 150);
  });

  mount(root,
    h("h1", {}, "Orders"),
    h("div", { class: "filters" }, statusSelect, search),
    summary, results, pager);
  load();
}

function address(title, a) {
  if (!a) return null;
  const lines = [
    [a.first_name, a.last_name].filter(Boolean).join(" "), a.company, a.address_1, a.address_2,
    [a.postcode, a.city].filter(Boolean).join(" "), [a.state, a.country].filter(Boolean).join(", "), a.email, a.phone,
  ].filter(Boolean);
  if (!lines.length) return null;
  return h("section", { class: "card" }, h("h2", {}, title), h("address", {}, lines.map((line) => h("div", {}, line))));
}

export async function orderView(root, id) {
  mount(root, h("p", { class: "muted" }, "Loading order…"));
  let order;
  let fromShop = null; // set once the order is shown: takes the shop's changes in
  const refresh = coalesce(() => fromShop && fromShop());
  onLive((kind, data) => {
    if (kind === "orders" || (kind === "order" && order && data.id === order.woocommerce_order_id)) refresh();
  });
  try {
    order = (await api(`/api/v1/orders/${encodeURIComponent(id)}`)).order;
  } catch (error) {
    mount(root, h("p", {}, h("a", { href: "#/orders" }, "← Orders")), errorBox(error));
    return;
  }
  const raw = order.raw_data || {};
  const cur = order.currency;
  const items = (raw.line_items || []).map((item) =>
    h("tr", {}, h("td", {}, item.name), h("td", { class: "num" }, count(item.quantity)), h("td", { class: "num" }, money(item.total, cur))));
  const totals = [
    ["Shipping", raw.shipping_total], ["Discount", raw.discount_total], ["Tax", raw.total_tax],
  ].filter(([, v]) => v && Number(v) !== 0).map(([label, v]) => h("tr", {}, h("th", { scope: "row", colspan: 2 }, label), h("td", { class: "num" }, money(v, cur))));
  const refunds = (raw.refunds || []).map((r) =>
    h("li", {}, `${money(String(r.total).replace("-", ""), cur)}${r.reason ? ` — ${r.reason}` : ""}`));

  const select = h("select", { id: "new-status", "aria-label": "New status" }, STATUSES.map((s) => h("option", { value: s }, statusLabel(s))));
  select.value = STATUSES.includes(order.status) ? order.status : "processing";
  const outcome = h("div", { id: "status-outcome", "aria-live": "polite" });
  const statusBadge = h("span", { id: "order-status" }, badge(order.status));

  async function change() {
    const target = select.value;
    if (target === order.status) {
      mount(outcome, h("p", { class: "muted" }, "The order already has this status."));
      return;
    }
    const ok = await confirm(
      `Mark order #${order.number} as ${statusLabel(target)}?`,
      `The shop will email the customer about this change, as WooCommerce does for every status change. ` +
        `It is written to the shop first; Lumina shows it once the shop accepts.`,
      "Change status");
    if (!ok) return;
    button.disabled = true;
    mount(outcome, h("p", { class: "muted" }, "Sending to the shop…"));
    try {
      const result = await api(`/api/v1/orders/${order.id}/status`, { method: "PUT", body: { status: target } });
      order = result.order;
      mount(statusBadge, badge(order.status));
      mount(outcome, h("p", { class: "ok", role: "status" }, `The shop now has this order as ${statusLabel(order.status)}.`));
    } catch (error) {
      mount(outcome, h("p", { class: "error", role: "alert" }, error.message));
    } finally {
      button.disabled = false;
    }
  }
  const button = h("button", { type: "button", id: "change-status", onclick: change }, "Change status");
  const modified = h("dd", { id: "order-modified" }, when(order.date_modified));

  fromShop = async () => {
    let fresh;
    try {
      fresh = (await api(`/api/v1/orders/${order.id}`)).order;
    } catch {
      return; // gone or unreachable: the page keeps what it showed
    }
    if (fresh.status === order.status && fresh.date_modified === order.date_modified) return;
    order = fresh;
    mount(statusBadge, badge(order.status));
    modified.textContent = when(order.date_modified);
    mount(outcome, h("p", { class: "muted", role: "status" }, `Changed in the shop: now ${statusLabel(order.status)}.`));
  };

  mount(root,
    h("p", {}, h("a", { href: "#/orders" }, "← Orders")),
    h("h1", {}, `Order #${order.number} `, statusBadge),
    h("div", { class: "grid" },
      h("section", { class: "card" },
        h("h2", {}, "Summary"),
        h("dl", {},
          h("dt", {}, "Customer"), h("dd", {}, order.customer_name || "—"),
          h("dt", {}, "Email"), h("dd", {}, order.billing_email || "—"),
          h("dt", {}, "Created"), h("dd", {}, when(order.date_created)),
          h("dt", {}, "Paid"), h("dd", {}, when(order.date_paid)),
          h("dt", {}, "Completed"), h("dd", {}, when(order.date_completed)),
          h("dt", {}, "Modified"), modified,
          h("dt", {}, "Payment"), h("dd", {}, raw.payment_method_title || "—"))),
      h("section", { class: "card" },
        h("h2", {}, "Status"),
        h("div", { class: "filters" }, select, button),
        outcome),
      address("Billing", raw.billing),
      address("Shipping", raw.shipping)),
    h("section", { class: "card" },
      h("h2", {}, "Items"),
      table([h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Qty"), h("th", { scope: "col", class: "num" }, "Total")],
        [...items, ...totals,
          h("tr", { class: "total" }, h("th", { scope: "row", colspan: 2 }, "Total"), h("td", { class: "num", id: "order-total" }, money(order.total, cur))),
          order.total_refunded && Number(order.total_refunded) !== 0
            ? h("tr", {}, h("th", { scope: "row", colspan: 2 }, "Refunded"), h("td", { class: "num" }, `−${money(order.total_refunded, cur)}`))
            : null]),
      refunds.length ? [h("h3", {}, "Refunds"), h("ul", {}, refunds)] : null));
}
