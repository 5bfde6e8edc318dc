// Live updates over the WebSocket API: a socket that stays open by itself. It reconnects after
// any close with exponential backoff (and jitter, so a dropped gateway is not stampeded), right
// away when the browser comes back online, and reports whether it is up so that pages can fall
// back to polling while it is not.

/** The WebSocket API's address from config.js (`wsUrl`), or "" when this deployment has none. */
export function configuredWsUrl() {
  const value = (window.ONSALE_CONFIG && window.ONSALE_CONFIG.wsUrl) || "";
  return String(value).replace(/\/+$/, "");
}

/** `url` with `params` added to its query (keeping what it already has). */
export function withParams(url, params) {
  const [base, hash = ""] = String(url).split("#");
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  const text = query.toString();
  if (!text) return url;
  const joined = base.includes("?") ? `${base}${base.endsWith("?") || base.endsWith("&") ? "" : "&"}${text}` : `${base}?${text}`;
  return hash ? `${joined}#${hash}` : joined;
}

/**
 * How long to wait before reconnect attempt `attempt` (0-based): exponential from `base`, capped
 * at `max`, with "equal jitter" (half fixed, half random).
 */
export function backoffDelay(attempt, { base = 1000, max = 30_000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * A self-healing WebSocket.
 *   url:      a string, or a function returning one (called for every attempt, e.g. to put the
 *             current sign-in token in it); returning "" stops trying.
 *   onMessage(data): each JSON message (others are ignored).
 *   onState(state):  "connecting" | "open" | "retrying" | "stopped".
 * `WebSocketImpl`, `setTimer` and `clearTimer` can be replaced (tests).
 */
export class LiveSocket {
  constructor(url, { onMessage = () => {}, onState = () => {}, WebSocketImpl = globalThis.WebSocket, setTimer = globalThis.setTimeout.bind(globalThis), clearTimer = globalThis.clearTimeout.bind(globalThis), backoff = {} } = {}) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.WebSocketImpl = WebSocketImpl;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.backoff = backoff;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.state = "stopped";
    this.stopped = true;
    this.onOnline = () => {
      if (!this.stopped && this.state === "retrying") this.#connectNow();
    };
  }

  get isOpen() {
    return this.state === "open";
  }

  start() {
    if (!this.stopped) return this;
    this.stopped = false;
    this.attempt = 0;
    globalThis.addEventListener?.("online", this.onOnline);
    this.#connect();
    return this;
  }

  stop() {
    this.stopped = true;
    globalThis.removeEventListener?.("online", this.onOnline);
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000, "leaving");
      } catch {
        // Closing a socket that never opened may throw in some browsers; it is gone either way.
      }
    }
    this.#setState("stopped");
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    try {
      this.onState(state);
    } catch (error) {
      console.error(error);
    }
  }

  #connectNow() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.#connect();
  }

  #connect() {
    if (this.stopped) return;
    const url = typeof this.url === "function" ? this.url() : this.url;
    if (!url || !this.WebSocketImpl) {
      this.stop();
      return;
    }
    this.#setState("connecting");
    let socket;
    try {
      socket = new this.WebSocketImpl(url);
    } catch {
      this.#retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.#setState("open");
    };
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data && typeof data === "object") {
        try {
          this.onMessage(data);
        } catch (error) {
          console.error(error);
        }
      }
    };
    // A refused or dropped connection ends in "close" (after "error", which adds nothing).
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.#retry();
    };
  }

  #retry() {
    if (this.stopped) return;
    this.#setState("retrying");
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.#connect();
    }, delay);
  }
}
