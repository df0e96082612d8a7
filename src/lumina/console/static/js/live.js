// The family's live events (order, orders, progress, sync) from the API's event stream. An EventSource cannot
// send the bearer token, so each connection opens with a fresh single-use ticket; when it drops, a new ticket
// and a new connection follow after a pause that doubles up to half a minute. The open view hears every event
// (`onLive`), and after a reconnection an `orders` event, as events may have been missed meanwhile.
import { api } from "./api.js";

const KINDS = ["order", "orders", "progress", "sync"];
const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30000;
const LABELS = { live: "Live", connecting: "Connecting…", offline: "Offline: reconnecting…" };

let wanted = false;
let source = null;
let timer = null;
let pause = FIRST_PAUSE_MS;
let missed = false;
let handler = null;

// The view that hears the events; a new view replaces the last one's handler (null: none).
export const onLive = (listener) => {
  handler = listener;
};

function deliver(kind, data) {
  if (handler) handler(kind, data);
}

function indicate(state) {
  const badge = document.getElementById("live");
  badge.hidden = !wanted;
  badge.dataset.state = state;
  badge.textContent = LABELS[state] || "";
}

function retry() {
  indicate("offline");
  missed = true;
  // A little jitter, so that many consoles do not all come back in the same instant after a restart.
  timer = setTimeout(connect, pause * (0.8 + Math.random() * 0.4));
  pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
}

async function connect() {
  timer = null;
  if (!wanted || source) return;
  indicate("connecting");
  let ticket;
  try {
    ticket = await api("/api/v1/orders/events/ticket", { method: "POST" });
  } catch (error) {
    if (wanted && error.status !== 401) retry(); // a 401 here ends the session: stopLive follows
    return;
  }
  if (!wanted || source) return;
  const opened = new EventSource(ticket.url);
  source = opened;
  opened.addEventListener("open", () => {
    pause = FIRST_PAUSE_MS;
    indicate("live");
    if (missed) {
      missed = false;
      deliver("orders", { count: null });
    }
  });
  opened.addEventListener("error", () => {
    // The browser would retry with the same URL, whose ticket is spent: close, and come back with a new one.
    opened.close();
    if (source !== opened) return;
    source = null;
    if (wanted) retry();
  });
  for (const kind of KINDS) {
    opened.addEventListener(kind, (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      deliver(kind, data);
    });
  }
}

export function startLive() {
  if (wanted) return;
  wanted = true;
  pause = FIRST_PAUSE_MS;
  missed = false;
  connect();
}

export function stopLive() {
  wanted = false;
  clearTimeout(timer);
  timer = null;
  if (source) source.close();
  source = null;
  indicate("off");
}

// Runs `task` once, `ms` after the last of a burst of calls: a burst of events makes one reload.
export function coalesce(task, ms = 200) {
  let pending = null;
  return () => {
    clearTimeout(pending);
    pending = setTimeout(task, ms);
  };
}
