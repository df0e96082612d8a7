// The family's sync: the last run, the next one, and "sync now" with its result.
import { api } from "./api.js";
import { errorBox, h, mount } from "./dom.js";
import { ago, count, when } from "./format.js";

export function runSummary(run) {
  if (!run) return h("p", { class: "muted" }, "No sync has run yet.");
  return h("dl", { class: "run" },
    h("dt", {}, "Status"), h("dd", { class: `run-${run.status}` }, run.status),
    h("dt", {}, "Started"), h("dd", {}, `${when(run.startedAt)} (${ago(run.startedAt)})`),
    h("dt", {}, "Took"), h("dd", {}, run.durationSeconds === null || run.durationSeconds === undefined ? "—" : `${run.durationSeconds.toFixed(1)} s`),
    h("dt", {}, "Orders"), h("dd", {}, `${count(run.processed)} read: ${count(run.created)} new, ${count(run.updated)} changed, ${count(run.deleted)} removed`),
    run.error ? [h("dt", {}, "Error"), h("dd", { class: "error" }, run.error)] : null);
}

export async function syncView(root) {
  const state = h("div", { id: "sync-state" }, h("p", { class: "muted" }, "Loading…"));
  const result = h("div", { id: "sync-result", "aria-live": "polite" });
  const button = h("button", { type: "button", id: "sync-now" }, "Sync now");

  async function refresh() {
    try {
      const { syncJob, woocommerceConfigured } = await api("/api/v1/orders/sync/status");
      button.disabled = !woocommerceConfigured || syncJob.syncing;
      mount(state,
        woocommerceConfigured ? null : h("p", { class: "error" }, "No shop is linked to your family."),
        h("dl", {},
          h("dt", {}, "Now"), h("dd", {}, syncJob.syncing ? "Syncing…" : "Idle"),
          h("dt", {}, "Next run"), h("dd", { id: "next-run" }, syncJob.running ? when(syncJob.nextRunAt) : "Background sync is off"),
          h("dt", {}, "Every"), h("dd", {}, `${syncJob.intervalMinutes} minutes`)),
        h("h2", {}, "Last run"),
        runSummary(syncJob.lastRun));
    } catch (error) {
      mount(state, errorBox(error));
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    mount(result, h("p", { class: "muted", role: "status" }, "Syncing with the shop…"));
    try {
      const done = await api("/api/v1/orders/sync", { method: "POST", body: {} });
      mount(result, h("p", { class: "ok", role: "status" },
        `Sync finished in ${done.durationSeconds.toFixed(1)} s: ${count(done.processed)} orders read, ` +
        `${count(done.created)} new, ${count(done.updated)} changed, ${count(done.deleted)} removed.`));
    } catch (error) {
      mount(result, h("p", { class: "error", role: "alert" }, "The sync failed: ", error.message));
    }
    await refresh();
  });

  mount(root, h("h1", {}, "Sync"), h("section", { class: "card" }, button, result, state));
  await refresh();
}
