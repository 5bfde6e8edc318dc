// The waiting room on the customer's side: their place per event (so a reload finds it and the
// progress bar keeps its starting point), the admission token that lets them hold seats, and the
// words for waits and positions. Everything is per tab (sessionStorage), like the sign-in.

import { plural } from "./format.js";

const PLACES_KEY = "onsale.queue";
const ADMISSIONS_KEY = "onsale.admissions";

function readMap(key) {
  try {
    const value = JSON.parse(sessionStorage.getItem(key) || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function writeMap(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or unavailable: the page still works, a reload just starts over.
  }
}

// --- the place in the queue ------------------------------------------------------------------

/** {queue_id, websocket_url, first_position, user} remembered for this event, or null. */
export function rememberedPlace(eventId, user) {
  const place = readMap(PLACES_KEY)[eventId];
  return place && (!user || place.user === user) ? place : null;
}

export function rememberPlace(eventId, user, { queue_id: queueId, websocket_url: websocketUrl, position }) {
  const places = readMap(PLACES_KEY);
  const known = places[eventId] && places[eventId].queue_id === queueId ? places[eventId] : null;
  const first = known && Number.isFinite(known.first_position) ? known.first_position : Number(position);
  places[eventId] = {
    queue_id: queueId,
    websocket_url: websocketUrl || known?.websocket_url || "",
    first_position: Number.isFinite(first) ? Math.max(first, Number(position) || 0) : null,
    user,
  };
  writeMap(PLACES_KEY, places);
  return places[eventId];
}

export function forgetPlace(eventId) {
  const places = readMap(PLACES_KEY);
  delete places[eventId];
  writeMap(PLACES_KEY, places);
}

// --- admission ---------------------------------------------------------------------------------

/** The `exp` claim of a JWT in milliseconds, or NaN (the token is opaque otherwise). */
export function tokenExpiry(token) {
  try {
    const payload = String(token).split(".")[1];
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = Number(JSON.parse(json).exp);
    return Number.isFinite(exp) ? exp * 1000 : NaN;
  } catch {
    return NaN;
  }
}

/** Keep the admission token for an event; `expiresAt` (RFC 3339) or the token's own expiry. */
export function storeAdmission(eventId, user, token, expiresAt) {
  let until = expiresAt ? new Date(expiresAt).getTime() : NaN;
  if (!Number.isFinite(until)) until = tokenExpiry(token);
  if (!Number.isFinite(until)) until = Date.now() + 10 * 60 * 1000;
  const admissions = readMap(ADMISSIONS_KEY);
  admissions[eventId] = { token, expires_at: new Date(until).toISOString(), user };
  writeMap(ADMISSIONS_KEY, admissions);
  return admissions[eventId];
}

/** The unexpired admission {token, expires_at} for this event and customer, or null. */
export function admissionFor(eventId, user, now = Date.now()) {
  const admission = readMap(ADMISSIONS_KEY)[eventId];
  if (!admission || (user && admission.user !== user)) return null;
  if (new Date(admission.expires_at).getTime() <= now) return null;
  return admission;
}

export function forgetAdmission(eventId) {
  const admissions = readMap(ADMISSIONS_KEY);
  delete admissions[eventId];
  writeMap(ADMISSIONS_KEY, admissions);
}

/** True when this tab had an admission for the event that has run out (to explain a 403). */
export function admissionLapsed(eventId, user, now = Date.now()) {
  const admission = readMap(ADMISSIONS_KEY)[eventId];
  return Boolean(admission && (!user || admission.user === user) && new Date(admission.expires_at).getTime() <= now);
}

// --- words -----------------------------------------------------------------------------------

/** "about 3 minutes" — an honest, rounded estimate (null when there is none yet). */
export function waitPhrase(seconds) {
  const s = Number(seconds);
  if (seconds === null || seconds === undefined || !Number.isFinite(s) || s < 0) return null;
  if (s < 45) return "less than a minute";
  if (s < 90) return "about a minute";
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `about ${plural(minutes, "minute")}`;
  const hours = Math.floor(minutes / 60);
  const rest = Math.round((minutes % 60) / 15) * 15;
  if (!rest) return `about ${plural(hours, "hour")}`;
  if (rest === 60) return `about ${plural(hours + 1, "hour")}`;
  return `about ${plural(hours, "hour")} ${rest} minutes`;
}

/** How far through the queue: 0 at the first position seen, 1 at the front. */
export function queueProgress(firstPosition, position) {
  const first = Number(firstPosition);
  const now = Number(position);
  if (!Number.isFinite(first) || !Number.isFinite(now) || first <= 0) return now <= 0 ? 1 : 0;
  return Math.min(1, Math.max(0, (first - now) / first));
}

/** "9 minutes 30 seconds" → "10 minutes": how long an admission lasts, rounded for reading. */
export function admissionLeftPhrase(expiresAt, now = Date.now()) {
  const seconds = Math.max(0, (new Date(expiresAt).getTime() - now) / 1000);
  if (seconds < 60) return plural(Math.max(1, Math.round(seconds)), "second");
  return plural(Math.round(seconds / 60), "minute");
}

/**
 * Decide whether a position update is worth saying out loud: screen-reader users hear the status
 * text when it changes, but numbers at most every `minGapMs` — except near the front (10, 5, 3,
 * 2, 1 and 0 always), so that the queue is never a stream of numbers.
 */
export class PositionAnnouncer {
  constructor({ minGapMs = 30_000, now = () => Date.now() } = {}) {
    this.minGapMs = minGapMs;
    this.now = now;
    this.lastAt = -Infinity;
    this.lastPosition = null;
  }

  shouldAnnounce(position) {
    const n = Number(position);
    if (!Number.isFinite(n) || n === this.lastPosition) return false;
    const milestone = [10, 5, 3, 2, 1, 0].includes(n) || (this.lastPosition !== null && n < 0);
    const due = this.now() - this.lastAt >= this.minGapMs;
    if (!milestone && !due) return false;
    this.lastAt = this.now();
    this.lastPosition = n;
    return true;
  }
}
