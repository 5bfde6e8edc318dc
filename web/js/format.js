// Money (integer minor units + ISO 4217 code) and dates (RFC 3339 UTC → the venue's or the viewer's time).

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

// Event times are shown on the venue's clock when the venue names its zone (`venue.time_zone`,
// an IANA name): "Sat, Dec 12, 2026, 7:30 PM CST" for a Nashville show wherever the customer is.
// Without one they are the viewer's. Either way the zone is named, so nobody has to guess.
const DATE_OPTIONS = {
  dateTime: {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  },
  longDate: { weekday: "long", year: "numeric", month: "long", day: "numeric" },
  time: { hour: "numeric", minute: "2-digit", timeZoneName: "short" },
  month: { month: "short" },
  day: { day: "numeric" },
  weekday: { weekday: "short" },
  shortDate: { year: "numeric", month: "short", day: "numeric" },
  // Machine-readable (see `localDay`): Western digits and the Gregorian calendar in every locale.
  isoDay: { year: "numeric", month: "2-digit", day: "2-digit", calendar: "gregory", numberingSystem: "latn" },
};
const dateFormats = new Map();

/** The Intl format of `kind` in `timeZone` (the viewer's zone when it is empty, or unknown to
 * this browser: a time in the wrong zone would be worse than one in the viewer's, named). */
function dateFormat(kind, timeZone) {
  const key = `${kind}|${timeZone || ""}`;
  let format = dateFormats.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(undefined, timeZone ? { ...DATE_OPTIONS[kind], timeZone } : DATE_OPTIONS[kind]);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      format = dateFormat(kind, "");
    }
    dateFormats.set(key, format);
  }
  return format;
}

/** The zone an event's times are shown in: its venue's, or undefined (the viewer's). */
export function venueZone(event) {
  const zone = event?.venue?.time_zone;
  return typeof zone === "string" && zone ? zone : undefined;
}

function parse(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

function formatted(kind, iso, timeZone) {
  const date = parse(iso);
  return date ? dateFormat(kind, timeZone).format(date) : "";
}

// Each takes an optional IANA `timeZone` (see `venueZone`); without one, the viewer's zone.
export function dateTime(iso, timeZone) {
  return formatted("dateTime", iso, timeZone);
}

export function longDate(iso, timeZone) {
  return formatted("longDate", iso, timeZone);
}

export function time(iso, timeZone) {
  return formatted("time", iso, timeZone);
}

export function shortDate(iso, timeZone) {
  return formatted("shortDate", iso, timeZone);
}

export function dateParts(iso, timeZone) {
  const date = parse(iso);
  if (!date) return { month: "", day: "", weekday: "" };
  return {
    month: dateFormat("month", timeZone).format(date),
    day: dateFormat("day", timeZone).formatToParts(date).find((part) => part.type === "day")?.value ?? "",
    weekday: dateFormat("weekday", timeZone).format(date),
  };
}

/** The calendar day ("2027-01-31", as a date input's value) of `iso` in `timeZone`: the day an
 * event's card shows (pass `venueZone(event)`; without one, or for a zone this browser does not
 * know, the viewer's). "" for a time that does not parse. */
export function localDay(iso, timeZone) {
  const date = parse(iso);
  if (!date) return "";
  const parts = Object.fromEntries(dateFormat("isoDay", timeZone).formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year.padStart(4, "0")}-${parts.month}-${parts.day}`;
}

/** `day` ("YYYY-MM-DD") moved by `days` calendar days, with no clock or zone involved
 * ("2027-03-01" - 1 → "2027-02-28"). A day that is not YYYY-MM-DD, or a result outside the
 * years 0001-9999 that YYYY-MM-DD can name, comes back unchanged. */
export function addDays(day, days) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typeof day === "string" ? day : "");
  if (!match) return day;
  const date = new Date(0);
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return day;
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
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
