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
      mount(body, h("p", { class: "muted" }, `${count(total)} ${total === 1 ? "run" : "runs"}`),
        table([th("Started"), th("Shop"), th("Trigger"), th("Status"), th("Orders", "num"), th("Took", "num wide"), th("Error")],
          runs.map((r) => h("tr", {},
            h("td", {}, when(r.startedAt)), h("td", {}, shops.get(String(r.shopId)) || `#${r.shopId}`), h("td", {}, r.trigger),
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

// The families with their shop links and users, and the administrator's writes: a new family, a link to a shop
// with a customer scope, a new user, a user's name, role and whether the account is active. What the API refuses
// (a family administrator widening a scope, making an operator, the last administrator) is shown as it says it.
const ROLES = [["member", "member"], ["family_admin", "family admin"], ["admin", "operator admin"]];

function roleSelect(operator, value, attrs = {}) {
  const select = h("select", attrs, ROLES.filter(([role]) => operator || role !== "admin" || value === "admin")
    .map(([role, label]) => h("option", { value: role }, label)));
  select.value = value;
  return select;
}

// A form that sends what `submit` makes of its fields and says how it went underneath.
function writeForm(id, title, fields, label, submit) {
  const outcome = h("p", { class: "outcome", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, label);
  const form = h("form", { id, class: "card write" }, h("h3", {}, title), fields, button, outcome);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      mount(outcome, h("span", { class: "ok", role: "status" }, await submit(form.elements)));
    } catch (error) {
      mount(outcome, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const field = (label, control) => h("label", {}, label, control);
const listOf = (text) => text.split(/[\s,;]+/).filter(Boolean);

function scopeText(link) {
  if (!link.scoped) return "all customers";
  const parts = [];
  if (link.customerIds.length) parts.push(`customers ${link.customerIds.join(", ")}`);
  if (link.billingEmails.length) parts.push(link.billingEmails.join(", "));
  return parts.join("; ");
}

function userRow(user, operator) {
  const name = h("input", { value: user.name, "aria-label": `Name of ${user.email}`, maxlength: 200, required: true });
  const role = roleSelect(operator, user.role, { "aria-label": `Role of ${user.email}` });
  const active = h("input", { type: "checkbox", checked: user.isActive, "aria-label": `${user.email} may sign in` });
  const outcome = h("td", { class: "error-cell", "aria-live": "polite" });
  const save = h("button", { type: "button", class: "quiet", onclick: async () => {
    const changes = {};
    if (name.value.trim() !== user.name) changes.name = name.value.trim();
    if (role.value !== user.role) changes.role = role.value;
    if (active.checked !== user.isActive) changes.isActive = active.checked;
    if (!Object.keys(changes).length) return mount(outcome, h("span", { class: "muted" }, "Nothing to save."));
    save.disabled = true;
    try {
      user = (await api(`/api/v1/admin/users/${user.id}`, { method: "PATCH", body: changes })).user;
      mount(outcome, h("span", { class: "ok", role: "status" }, "Saved."));
    } catch (error) {
      mount(outcome, h("span", { role: "alert" }, error.message));
    } finally {
      save.disabled = false;
    }
  } }, "Save");
  return h("tr", { "data-user": user.id }, h("td", {}, name), h("td", {}, user.email), h("td", {}, role),
    h("td", {}, active), h("td", {}, save), outcome);
}

function familyCard(family, users, links, shopName, operator) {
  const th = (label, cls) => h("th", { scope: "col", class: cls }, label);
  return h("section", { class: "family", "data-family": family.id },
    h("h3", {}, family.name, h("small", {}, ` · #${family.id}`)),
    h("ul", { class: "links" }, links.length ? links.map((link) =>
      h("li", { "data-shop": link.shopId }, h("strong", {}, shopName(link.shopId)), ` · ${scopeText(link)}`))
      : h("li", { class: "muted" }, "No shop linked.")),
    users.length ? table([th("Name"), th("Email"), th("Role"), th("Active"), th("Save", "unseen"), th("Outcome", "unseen")],
      users.map((user) => userRow(user, operator)), { class: "users" }) : h("p", { class: "muted" }, "No users."));
}

// The forms stay while the list above them is reloaded; their family choices follow the list (`families`).
function writeForms(operator, shopOptions, reload) {
  const familyOptions = () => h("select", { name: "family", required: true, class: "families" });
  const forms = [];
  if (operator) {
    forms.push(writeForm("new-family", "New family",
      [field("Name", h("input", { name: "name", required: true, maxlength: 200 })),
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "linkDefaultShop", checked: true }), "Link to the default shop")],
      "Create family", async (f) => {
        const { family } = await api("/api/v1/admin/families", { method: "POST",
          body: { name: f.name.value.trim(), linkDefaultShop: f.linkDefaultShop.checked } });
        await reload();
        return `Family ${family.name} created.`;
      }));
  }
  forms.push(writeForm("link-shop", "Link a family to a shop",
    [field("Family", familyOptions()),
      field("Shop", h("select", { name: "shop", required: true }, shopOptions.map(([id, name]) => h("option", { value: id }, name)))),
      field("Customer ids", h("input", { name: "customers", inputmode: "numeric", placeholder: "e.g. 12, 15 (empty: all)" })),
      field("Billing emails", h("input", { name: "emails", placeholder: "e.g. ada@example.com (empty: all)" }))],
    "Link", async (f) => {
      const customerIds = listOf(f.customers.value).map((id) => (/^\d+$/.test(id) ? Number(id) : id));
      const { link } = await api(`/api/v1/admin/families/${f.family.value}/shops/${f.shop.value}`, {
        method: "PUT", body: { customerIds, billingEmails: listOf(f.emails.value) } });
      await reload();
      return `Linked: ${scopeText(link)}.`;
    }));
  forms.push(writeForm("new-user", "New user",
    [field("Name", h("input", { name: "name", required: true, maxlength: 200 })),
      field("Email", h("input", { name: "email", type: "email", required: true, autocomplete: "off" })),
      field("Password", h("input", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" })),
      field("Role", roleSelect(operator, "member", { name: "role" })),
      field("Family", familyOptions())],
    "Create user", async (f) => {
      const { user } = await api("/api/v1/admin/users", { method: "POST", body: {
        name: f.name.value.trim(), email: f.email.value.trim(), password: f.password.value, role: f.role.value,
        familyId: Number(f.family.value) } });
      await reload();
      return `${user.email} can sign in now.`;
    }));
  return h("div", { class: "grid writes" }, forms);
}

function familiesSection(user, shopNames) {
  const operator = user.role === "admin";
  const list = h("div", { id: "families" }, h("p", { class: "muted" }, "Loading…"));
  const section = h("section", { class: "card" }, h("h2", {}, "Families and users"), list);
  const shopName = (id) => shopNames.get(String(id)) || `Shop #${id}`;
  let forms = null;

  async function load() {
    const [{ families }, { users }, { links }] = await Promise.all([
      api("/api/v1/admin/families"), api("/api/v1/admin/users"), api("/api/v1/admin/links")]);
    mount(list, families.map((family) => familyCard(family, users.filter((u) => u.familyId === family.id),
      links.filter((l) => l.familyId === family.id), shopName, operator)));
    if (!forms) {
      // A family administrator lists no shops: it may change the links its family has.
      const shopOptions = operator ? [...shopNames] : [...new Set(links.map((l) => l.shopId))].map((id) => [id, shopName(id)]);
      forms = writeForms(operator, shopOptions, load);
      section.append(forms);
    }
    for (const select of forms.querySelectorAll("select.families")) {
      const chosen = select.value;
      mount(select, families.map((f) => h("option", { value: f.id }, f.name)));
      if (chosen) select.value = chosen;
    }
  }
  load().catch((error) => mount(list, errorBox(error)));
  return section;
}

export async function adminView(root, user) {
  mount(root, h("h1", {}, "Admin"), h("p", { class: "muted" }, "Loading…"));
  try {
    const parts = [];
    let names = new Map();
    if (user.role === "admin") {
      const shops = await shopsSection();
      names = new Map([...shops.querySelectorAll("tr[data-shop]")].map((row) => [row.dataset.shop, row.querySelector("strong").textContent]));
      parts.push(shops, runsSection(names));
    }
    parts.push(familiesSection(user, names));
    mount(root, h("h1", {}, "Admin"), parts);
  } catch (error) {
    mount(root, h("h1", {}, "Admin"), errorBox(error));
  }
}
