// The console's shell: signing in and out, the sections, and the route in the address's hash (#/orders/12).
import { currentUser, onSessionChange, signIn, signOut } from "./api.js";
import { ordersView, orderView } from "./orders.js";
import { statsView } from "./stats.js";
import { syncView } from "./sync.js";
import { adminView } from "./admin.js";
import { onLive, startLive, stopLive } from "./live.js";

const $ = (id) => document.getElementById(id);
const isAdmin = (user) => user.role === "admin" || user.role === "family_admin";

function route() {
  const user = currentUser();
  // Each route renders into a new box: a slow answer for the last route lands in a box no longer shown.
  const view = document.createElement("div");
  $("view").replaceChildren(view);
  onLive(null); // the next view listens for itself
  $("signin").hidden = Boolean(user);
  $("nav").hidden = !user;
  $("signout").hidden = !user;
  $("who").textContent = user ? user.name : "";
  if (!user) {
    stopLive();
    $("signin").elements.email.focus();
    return;
  }
  startLive();
  document.querySelector('[data-section="admin"]').hidden = !isAdmin(user);
  const [first, id] = location.hash.replace(/^#\/?/, "").split("/");
  const section = first || "orders";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${section[0].toUpperCase()}${section.slice(1)} · Lumina`;
  if (section === "orders" && id) orderView(view, id);
  else if (section === "stats") statsView(view);
  else if (section === "sync") syncView(view);
  else if (section === "admin" && isAdmin(user)) adminView(view, user);
  else ordersView(view);
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("signin-error");
  error.textContent = "";
  form.querySelector("button").disabled = true;
  try {
    await signIn(form.elements.email.value, form.elements.password.value);
    form.reset();
  } catch (failure) {
    error.textContent = failure.status === 401 ? "Wrong email or password." : failure.message;
  } finally {
    form.querySelector("button").disabled = false;
  }
});

$("signout").addEventListener("click", () => signOut());

onSessionChange(() => route());
window.addEventListener("hashchange", route);
route();
