// A confirmation in the page's own modal <dialog>: Escape cancels it (the browser's own), Tab and Shift+Tab go
// round its buttons instead of leaving for the browser's address bar, and the focus returns where it was.
const dialog = document.getElementById("confirm");

dialog.addEventListener("keydown", (event) => {
  if (event.key !== "Tab") return;
  const stops = [...dialog.querySelectorAll("button, [href], input, select, textarea")].filter((e) => !e.disabled);
  const [first, last] = [stops[0], stops[stops.length - 1]];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
});

export function confirm(title, text, okLabel = "Confirm") {
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}
