// Money in the order's currency and dates in the viewer's own time zone, as the viewer's locale writes them.
const moneyFormats = new Map();
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const counts = new Intl.NumberFormat();

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "";
  if (!currency) return String(amount);
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      format = { format: (value) => `${value} ${currency}` };
    }
    moneyFormats.set(currency, format);
  }
  // A decimal string: Intl formats strings exactly where supported (no float rounding of the amount itself).
  return format.format(amount);
}

export const when = (iso) => (iso ? dateTime.format(new Date(iso)) : "—");
export const day = (isoDate) => dayOnly.format(new Date(`${isoDate}T00:00:00Z`));
export const count = (n) => counts.format(n);

export function ago(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(-seconds, "second");
  if (abs < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  return rtf.format(-Math.round(seconds / 86400), "day");
}

export const STATUSES = ["pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"];
export const statusLabel = (status) => status.replace(/^wc-/, "").replace("-", " ");
