// The family's sync: the last run, the next one, "sync now", the progress of a running sync (from the live
// stream's `progress` events, or the running run's counts when the page opens mid-run) and the last runs.
import { api } from "./api.js";
import { errorBox, h, mount, table } from "./dom.js";
import { ago, count, when } from "./format.js";
import { coalesce, onLive } from "./live.js";

const RUNS = 10;
const took = (run) => (run.status === "running" || run.durationSeconds === null || run.durationSeconds === undefined
  ? "—" : `${run.durationSeconds.toFixed(1)} s`);

export function runSummary(run) {
  if (!run) return h("p", { class: "muted" }, "No sync has run yet.");
  return h("dl", { class: "run" },
    h("dt", {}, "Status"), h("dd", { class: `run-${run.status}` }, run.status),
    h("dt", {}, "Started"), h("dd", {}, `${when(run.startedAt)} (${ago(run.startedAt)})`),
    h("dt", {}, "Took"), h("dd", {}, took(run)),
    h("dt", {}, "Orders"), h("dd", {}, `${count(run.processed)} read: ${count(run.created)} new, ${count(run.updated)} changed, ${count(run.deleted)} removed`),
    run.error ? [h("dt", {}, "Error"), h("dd", { class: "error" }, run.error)] : null);
}

// A running sync: a bar against the orders the shop counted (an indeterminate one until it said).
function progressBar({ pages, processed, total }) {
  const known = total !== null && total !== undefined && total > 0;
  const bar = h("progress", { max: known ? total : null, value: known ? Math.min(processed, total) : null, "aria-label": "Sync progress" });
  const orders = known ? `${count(processed)} of ${count(total)} orders` : `${count(processed)} orders`;
  return [h("p", { class: "progress-text" }, `Syncing: ${count(pages)} ${pages === 1 ? "page" : "pages"} read, ${orders} so far`), bar];
}

function runsTable(runs) {
  if (!runs.length) return h("p", { class: "muted" }, "No runs yet.");
  const th = (label, cls) => h("th", { scope: "col", class: cls }, label);
  return table([th("Started"), th("Trigger"), th("Status"), th("Orders", "num"), th("Took", "num wide"), th("Error")],
    runs.map((run) => h("tr", {},
      h("td", {}, when(run.startedAt)), h("td", {}, run.trigger),
      h("td", {}, h("span", { class: `badge run-${run.status}` }, run.status)), h("td", { class: "num" }, count(run.processed)),
      h("td", { class: "num wide" }, took(run)), h("td", { class: "error-cell" }, run.error || ""))),
    { id: "family-runs" });
}

export async function syncView(root) {
  const state = h("div", { id: "sync-state" }, h("p", { class: "muted" }, "Loading…"));
  const result = h("div", { id: "sync-result", "aria-live": "polite" });
  const progress = h("div", { id: "sync-progress", "aria-live": "polite" });
  const history = h("div", { id: "sync-runs" });
  const button = h("button", { type: "button", id: "sync-now" }, "Sync now");
  let configured = false;
  let clicked = false; // the last run is this page's "sync now": its answer says how it ended

  async function refresh() {
    try {
      const [{ syncJob, woocommerceConfigured }, { runs }] = await Promise.all([
        api("/api/v1/orders/sync/status"), api(`/api/v1/orders/sync/runs?limit=${RUNS}`)]);
      configured = woocommerceConfigured;
      button.disabled = !woocommerceConfigured || syncJob.syncing;
      const running = syncJob.lastRun && syncJob.lastRun.status === "running" ? syncJob.lastRun : null;
      if (running && !progress.hasChildNodes()) mount(progress, progressBar({ ...running, total: null }));
      if (!syncJob.syncing) progress.replaceChildren();
      mount(state,
        woocommerceConfigured ? null : h("p", { class: "error" }, "No shop is linked to your family."),
        h("dl", {},
          h("dt", {}, "Now"), h("dd", {}, syncJob.syncing ? "Syncing…" : "Idle"),
          h("dt", {}, "Next run"), h("dd", { id: "next-run" }, syncJob.running ? when(syncJob.nextRunAt) : "Background sync is off"),
          h("dt", {}, "Every"), h("dd", {}, `${syncJob.intervalMinutes} minutes`)),
        h("h2", {}, "Last run"),
        runSummary(syncJob.lastRun));
      mount(history, runsTable(runs));
    } catch (error) {
      mount(state, errorBox(error));
    }
  }
  const refreshSoon = coalesce(refresh);

  onLive((kind, data) => {
    if (kind === "progress") {
      if (data.pages === 0 && button.disabled === false) clicked = false; // a run started elsewhere
      button.disabled = true;
      mount(progress, progressBar(data));
      if (data.pages === 0) refreshSoon(); // "Now: Syncing…", and the new run as the last one
    } else if (kind === "sync") {
      if (clicked) progress.replaceChildren();
      else mount(progress, h("p", { class: data.status === "succeeded" ? "ok" : "error", id: "sync-ended" },
        `The sync ${data.status === "succeeded" ? "finished" : data.status}: ${count(data.created)} new, ` +
        `${count(data.updated)} changed, ${count(data.deleted)} removed.`));
      refreshSoon();
    } else if (kind === "orders") {
      refreshSoon();
    }
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    clicked = true;
    mount(result, h("p", { class: "muted", role: "status" }, "Syncing with the shop…"));
    try {
      const done = await api("/api/v1/orders/sync", { method: "POST", body: {} });
      mount(result, h("p", { class: "ok", role: "status" },
        `Sync finished in ${done.durationSeconds.toFixed(1)} s: ${count(done.processed)} orders read, ` +
        `${count(done.created)} new, ${count(done.updated)} changed, ${count(done.deleted)} removed.`));
    } catch (error) {
      mount(result, h("p", { class: "error", role: "alert" }, "The sync failed: ", error.message));
    }
    progress.replaceChildren();
    button.disabled = !configured;
    await refresh();
  });

  mount(root, h("h1", {}, "Sync"),
    h("section", { class: "card" }, button, progress, result, state),
    h("section", { class: "card" }, h("h2", {}, "Last runs"), history));
  await refresh();
}
