// Money (integer minor units + ISO 4217 code) and dates (RFC 3339 UTC → the viewer's local time).

const moneyFormats = new Map();

function moneyFormat(currency) {
  if (!moneyFormats.has(currency)) {
    moneyFormats.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
  }
  return moneyFormats.get(currency);
}

export function money(value) {
  if (!value || typeof value.amount !== "number") return "";
  const currency = value.currency || "USD";
  const format = moneyFormat(currency);
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(value.amount / 10 ** digits);
}

export function priceRange(prices) {
  const valid = prices.filter((p) => p && typeof p.amount === "number");
  if (!valid.length) return "";
  const amounts = valid.map((p) => p.amount);
  const low = { amount: Math.min(...amounts), currency: valid[0].currency };
  const high = { amount: Math.max(...amounts), currency: valid[0].currency };
  return low.amount === high.amount ? money(low) : `${money(low)} – ${money(high)}`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short", // times are the viewer's: say so ("7:30 PM PST"), a traveller must not guess
});
const longDateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  year: "numeric",
  month: "long",
  day: "numeric",
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

function parse(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function dateTime(iso) {
  const date = parse(iso);
  return date ? dateTimeFormat.format(date) : "";
}

export function longDate(iso) {
  const date = parse(iso);
  return date ? longDateFormat.format(date) : "";
}

export function time(iso) {
  const date = parse(iso);
  return date ? timeFormat.format(date) : "";
}

export function shortDate(iso) {
  const date = parse(iso);
  return date ? shortDateFormat.format(date) : "";
}

export function dateParts(iso) {
  const date = parse(iso);
  if (!date) return { month: "", day: "", weekday: "" };
  return {
    month: monthFormat.format(date),
    day: String(date.getDate()),
    weekday: weekdayFormat.format(date),
  };
}

const countFormat = new Intl.NumberFormat();

export function count(value) {
  return countFormat.format(value);
}

export function plural(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** "09:59" style clock for a number of seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  return `${String(minutes).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** "4 minutes 30 seconds" for announcements. */
export function spokenDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const parts = [];
  if (minutes) parts.push(plural(minutes, "minute"));
  if (rest || !minutes) parts.push(plural(rest, "second"));
  return parts.join(" ");
}

export const CATEGORIES = [
  { value: "concerts", label: "Concerts" },
  { value: "sports", label: "Sports" },
  { value: "theatre", label: "Theatre" },
  { value: "comedy", label: "Comedy" },
];

export function categoryLabel(value) {
  const known = CATEGORIES.find((c) => c.value === value);
  if (known) return known.label;
  return value ? value.charAt(0).toUpperCase() + value.slice(1) : "";
}
