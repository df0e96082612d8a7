// The operator's view: shops with their health, the run history with filters, families and users. A family
// administrator sees its own family's part (the shop and run endpoints are the operator's alone).
import { api } from "./api.js";
import { errorBox, h, mount, table } from "./dom.js";
import { ago, count, when } from "./format.js";

const th = (label, cls) => h("th", { scope: "col", class: cls }, label);

function lag(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function shopRow(shop) {
  const health = shop.health;
  const failing = health.consecutiveFailures > 0 || Boolean(health.lastError);
  return h("tr", { class: failing ? "failing" : "", "data-shop": shop.id },
    h("td", {}, h("strong", {}, shop.name), h("small", {}, shop.url)),
    h("td", {}, failing ? h("span", { class: "badge s-failed" }, `failing (${health.consecutiveFailures})`)
      : health.syncing ? h("span", { class: "badge s-processing" }, "syncing") : h("span", { class: "badge s-completed" }, "healthy")),
    h("td", {}, ago(health.lastSuccessAt)),
    h("td", { class: "num" }, lag(health.lagSeconds)),
    h("td", { class: "wide" }, when(health.nextAttemptAt)),
    h("td", { class: "num wide" }, count(health.ordersMirrored)),
    h("td", { class: "wide" }, health.webhook ? (health.webhook.active ? "active" : "not active") : "none"),
    h("td", { class: "error-cell" }, health.lastError || shop.checkError || ""));
}

async function shopsSection() {
  const { shops, total } = await api("/api/v1/admin/shops?limit=500");
  return h("section", { class: "card" },
    h("h2", {}, `Shops (${count(total)})`),
    table([th("Shop"), th("Health"), th("Last success"), th("Lag", "num"), th("Next attempt", "wide"), th("Orders", "num wide"), th("Webhook", "wide"), th("Last error")],
      shops.map(shopRow), { id: "shops-table" }));
}

function runsSection(shops) {
  const filters = { shopId: "", status: "", trigger: "" };
  const body = h("div", { id: "runs-results" });
  const pick = (name, label, options) => {
    const select = h("select", { "aria-label": label, id: `runs-${name}` }, h("option", { value: "" }, `Any ${label.toLowerCase()}`),
      options.map(([value, text]) => h("option", { value }, text)));
    select.addEventListener("change", () => { filters[name] = select.value; load(); });
    return select;
  };
  async function load() {
    const params = new URLSearchParams({ limit: 50 });
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    try {
      const { runs, total } = await api(`/api/v1/admin/sync/runs?${params}`);
      mount(body, h("p", { class: "muted" }, `${count(total)} runs`),
        table([th("Started"), th("Shop"), th("Trigger"), th("Status"), th("Orders", "num"), th("Took", "num wide"), th("Error")],
          runs.map((r) => h("tr", {},
            h("td", {}, when(r.startedAt)), h("td", {}, shops.get(r.shopId) || `#${r.shopId}`), h("td", {}, r.trigger),
            h("td", {}, h("span", { class: `badge run-${r.status}` }, r.status)), h("td", { class: "num" }, count(r.processed)),
            h("td", { class: "num wide" }, r.durationSeconds === null ? "—" : `${r.durationSeconds.toFixed(1)} s`),
            h("td", { class: "error-cell" }, r.error || ""))), { id: "runs-table" }));
    } catch (error) {
      mount(body, errorBox(error));
    }
  }
  load();
  return h("section", { class: "card" }, h("h2", {}, "Sync runs"),
    h("div", { class: "filters" },
      pick("shopId", "Shop", [...shops].map(([id, name]) => [id, name])),
      pick("status", "Status", ["running", "succeeded", "failed", "cancelled"].map((s) => [s, s])),
      pick("trigger", "Trigger", ["startup", "schedule", "manual", "admin", "cli", "webhook"].map((s) => [s, s]))),
    body);
}

async function familiesSection() {
  const [{ families }, { users }] = await Promise.all([api("/api/v1/admin/families"), api("/api/v1/admin/users")]);
  return h("section", { class: "card" }, h("h2", {}, "Families and users"),
    families.map((family) => h("div", { class: "family" },
      h("h3", {}, family.name, h("small", {}, ` · shops ${family.shopIds.map((id) => `#${id}`).join(", ") || "none"}`)),
      h("ul", { class: "users" }, users.filter((u) => u.familyId === family.id).map((u) =>
        h("li", {}, `${u.name} <${u.email}> · ${u.role.replace("_", " ")}${u.isActive === false ? " · disabled" : ""}`))))));
}

export async function adminView(root, user) {
  mount(root, h("h1", {}, "Admin"), h("p", { class: "muted" }, "Loading…"));
  try {
    const parts = [];
    if (user.role === "admin") {
      const shops = await shopsSection();
      const names = new Map([...shops.querySelectorAll("tr[data-shop]")].map((row) => [row.dataset.shop, row.querySelector("strong").textContent]));
      parts.push(shops, runsSection(names));
    }
    parts.push(await familiesSection());
    mount(root, h("h1", {}, "Admin"), parts);
  } catch (error) {
    mount(root, h("h1", {}, "Admin"), errorBox(error));
  }
}
