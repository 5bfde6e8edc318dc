// The one way the app talks to the Onsale API (see the contract: /events, /holds, /bookings, /auth).

import { session } from "./session.js";

const configured = (window.ONSALE_CONFIG && window.ONSALE_CONFIG.apiUrl) || "http://127.0.0.1:8000";
export const API_URL = String(configured).replace(/\/+$/, "");

/** A problem+json answer (or a network failure: status 0, code "network_error"). */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `The request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.code = problem.code || (status === 0 ? "network_error" : `http_${status}`);
  }
}

export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Call the API. Options: body (JSON), query (object; empty values dropped), auth (send the
 * bearer token), idempotencyKey, headers (extra request headers, e.g. X-Admission-Token), signal,
 * fresh (skip the HTTP cache).
 */
export async function api(method, path, options = {}) {
  const { body, query, auth = false, idempotencyKey, signal, fresh = false } = options;
  const url = new URL(API_URL + path);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  for (const [name, value] of Object.entries(options.headers || {})) {
    if (value) headers[name] = value;
  }
  if (auth) {
    const token = session.token();
    if (!token) throw new ApiError(401, { code: "unauthorized", detail: "Log in to continue." });
    headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: fresh ? "no-cache" : "default",
      mode: "cors",
      credentials: "omit",
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, {
      code: "network_error",
      detail: "We couldn't reach Onsale. Check your connection and try again.",
    });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const problem = data && typeof data === "object" ? data : {};
    const error = new ApiError(response.status, problem);
    if (auth && (error.code === "unauthorized" || response.status === 401)) {
      error.code = "unauthorized";
      session.signOut();
    }
    throw error;
  }
  return data;
}

const eventCache = new Map();

/** An event, remembered for a short while (for names and dates on bookings and holds). */
export function cachedEvent(eventId, { maxAgeMs = 30_000 } = {}) {
  const hit = eventCache.get(eventId);
  if (hit && Date.now() - hit.at < maxAgeMs) return hit.promise;
  const promise = api("GET", `/events/${encodeURIComponent(eventId)}`);
  eventCache.set(eventId, { at: Date.now(), promise });
  promise.catch(() => eventCache.delete(eventId));
  return promise;
}
