// What the app knows about individual seats (section, row, number, price) by seat id.
// Seat ids are opaque: labels come from the seat maps the app has loaded, remembered for the
// tab so that holds, confirmations and bookings can name seats as "Floor · Row A · Seat 1".

import { money } from "./format.js";

const KEY = "onsale.seats";
const MAX_REMEMBERED = 500;
let known = load();

function load() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

export function rememberSeats(seats) {
  for (const seat of seats) {
    known[seat.seat_id] = { section: seat.section, row: seat.row, number: seat.number, price: seat.price };
  }
  const ids = Object.keys(known);
  if (ids.length > MAX_REMEMBERED) {
    for (const id of ids.slice(0, ids.length - MAX_REMEMBERED)) delete known[id];
  }
  try {
    sessionStorage.setItem(KEY, JSON.stringify(known));
  } catch {
    // Storage full or unavailable: labels fall back to seat ids.
  }
}

export function seatInfo(seatId) {
  return known[seatId] || null;
}

/** "Section Floor, row A, seat 5" — the words screen readers hear. */
export function spokenSeat(seat) {
  return `Section ${seat.section}, row ${seat.row}, seat ${seat.number}`;
}

/** A short visible label. Falls back to the seat id for seats this tab never saw. */
export function seatLabel(seatId) {
  const seat = seatInfo(seatId);
  return seat ? `${seat.section} · Row ${seat.row} · Seat ${seat.number}` : seatId;
}

export function seatAriaLabel(seat, status) {
  return `${spokenSeat(seat)}, ${money(seat.price)}, ${status}`;
}

/** Seat ids grouped for display: [{section, row, seats: [numbers]}], or raw ids when unknown. */
export function describeSeats(seatIds) {
  const groups = new Map();
  const unknown = [];
  for (const id of seatIds) {
    const seat = seatInfo(id);
    if (!seat) {
      unknown.push(id);
      continue;
    }
    const key = `${seat.section}\u0000${seat.row}`;
    if (!groups.has(key)) groups.set(key, { section: seat.section, row: seat.row, numbers: [] });
    groups.get(key).numbers.push(seat.number);
  }
  const lines = [...groups.values()].map((g) => {
    g.numbers.sort((a, b) => a - b);
    const noun = g.numbers.length === 1 ? "Seat" : "Seats";
    return `${g.section} · Row ${g.row} · ${noun} ${g.numbers.join(", ")}`;
  });
  return [...lines, ...unknown];
}

// Seat maps small enough to fetch whole when a booking names seats this tab never saw.
const SMALL_VENUE_SEATS = 3000;
const labelFetches = new Map();

/**
 * Make `seatIds` nameable: for a small event, load its seat map once and remember those seats.
 * Large venues (a stadium's map is megabytes) keep the ids as they are.
 */
export async function ensureSeatLabels(event, seatIds) {
  const missing = seatIds.filter((id) => !seatInfo(id));
  if (!missing.length || !event) return;
  const capacity = (event.sections || []).reduce((sum, s) => sum + (Number(s.total) || 0), 0);
  if (!capacity || capacity > SMALL_VENUE_SEATS) return;
  if (!labelFetches.has(event.event_id)) {
    const { api } = await import("./api.js");
    labelFetches.set(
      event.event_id,
      api("GET", `/events/${encodeURIComponent(event.event_id)}/seats`)
        .then((answer) => answer?.seats || [])
        .catch(() => {
          labelFetches.delete(event.event_id);
          return [];
        }),
    );
  }
  const seats = await labelFetches.get(event.event_id);
  const wanted = new Set(missing);
  rememberSeats(seats.filter((s) => wanted.has(s.seat_id)));
}
