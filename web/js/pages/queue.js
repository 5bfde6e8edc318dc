// The waiting room: the customer's place in line, an estimated wait and a progress bar, kept live
// over the WebSocket API (with polling while the socket is down), and the move on to seat
// selection once they are admitted. Re-opening the page finds the same place: joining twice
// returns the same queue entry.

import { api } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import { count, dateTime, time, venueZone } from "../format.js";
import { configuredWsUrl, LiveSocket, withParams } from "../live.js";
import { navigate, takeFlash } from "../router.js";
import { session } from "../session.js";
import { backLink, ensureSignedIn, loading, pageError, requireLogin } from "../ui.js";
import {
  admissionFor,
  admissionLeftPhrase,
  forgetAdmission,
  PositionAnnouncer,
  queueProgress,
  rememberedPlace,
  rememberPlace,
  storeAdmission,
  waitPhrase,
} from "../waitroom.js";

// How often to ask for the place while the socket is down, and (as a safety net) while it is up.
const POLL_WHILE_DOWN_MS = 3000;
const POLL_WHILE_UP_MS = 20_000;

export function queuePath(eventId) {
  return `/events/${encodeURIComponent(eventId)}/queue`;
}

export async function queuePage(ctx) {
  if (!ensureSignedIn(ctx, "Log in to join the queue. Your place is kept for your account.")) return;
  const eventId = ctx.params.id;
  const user = session.current()?.email || "";
  document.title = "Waiting room · Onsale";
  const flash = takeFlash();
  ctx.main.append(loading("Finding your place in the queue…"));
  let event;
  try {
    event = await api("GET", `/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    ctx.main.replaceChildren(
      error.status === 404
        ? pageError("Event not found", "This event doesn't exist or is no longer listed.", h("a", { class: "button button-primary", href: "#/" }, "Find events"))
        : pageError("We couldn't load this event", error.message, h("a", { class: "button button-secondary", href: `#${queuePath(eventId)}` }, "Try again")),
    );
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!event.onsale?.queue_required) {
    navigate(`/events/${encodeURIComponent(eventId)}`, { replace: true });
    return;
  }
  if (admissionFor(eventId, user)) {
    // Already admitted in this tab: straight on to the seats.
    navigate(`/events/${encodeURIComponent(eventId)}`, { replace: true });
    return;
  }
  let joined;
  try {
    joined = await api("POST", `/events/${encodeURIComponent(eventId)}/queue`, { auth: true, body: {} });
  } catch (error) {
    if (!ctx.isCurrent()) return;
    if (error.code === "unauthorized") {
      requireLogin("Your session has ended. Log in again to get back to your place in the queue.");
      return;
    }
    document.title = `${event.name} · Waiting room · Onsale`;
    ctx.main.replaceChildren(
      backLink(`#/events/${encodeURIComponent(eventId)}`, "Back to the event"),
      pageError(
        "You can't join this queue right now",
        error.message || "The waiting room didn't answer. Please try again.",
        h("a", { class: "button button-primary", href: `#${queuePath(eventId)}` }, "Try again"),
      ),
    );
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.replaceChildren();
  new QueueView(ctx, event, user, joined, flash).mount();
}

class QueueView {
  constructor(ctx, event, user, joined, flash) {
    this.ctx = ctx;
    this.event = event;
    this.eventId = event.event_id;
    this.user = user;
    this.flash = flash;
    this.queueId = joined.queue_id;
    this.joined = joined;
    this.place = rememberPlace(this.eventId, user, joined);
    this.position = Number.isFinite(Number(joined.position)) && joined.position !== null ? Number(joined.position) : null;
    this.estimate = joined.estimated_wait_seconds ?? null;
    this.status = joined.status || "waiting";
    // Before the sale opens, places are not drawn yet: `place` is null and `position` is the
    // size of the draw so far (the most the customer can be).
    this.drawn = joined.place !== null && joined.place !== undefined;
    this.announcer = new PositionAnnouncer();
    this.pollTimer = null;
    this.done = false;
    this.connection = "connecting";
  }

  mount() {
    const { event, ctx } = this;
    document.title = `${event.name} · Waiting room · Onsale`;
    const venue = event.venue || {};
    this.numberEl = h("strong", { class: "queue-number", id: "queue-position" });
    this.waitEl = h("span", { class: "queue-wait-value", id: "queue-wait" });
    this.barFill = h("span", { class: "queue-bar-fill" });
    this.bar = h(
      "div",
      { class: "queue-bar", role: "progressbar", "aria-label": "Your progress to the front of the queue", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" },
      this.barFill,
    );
    // What screen readers hear: changed when the status changes, and numbers only now and then.
    this.statusEl = h("p", { class: "queue-status", id: "queue-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.connectionEl = h("p", { class: "queue-connection muted", "aria-live": "off" });
    this.alertBox = h("div", { class: "queue-alert" });
    const opensLater = event.onsale?.status === "scheduled";
    append(ctx.main, [
      backLink(`#/events/${encodeURIComponent(this.eventId)}`, "Back to the event"),
      h(
        "header",
        { class: "page-head queue-head" },
        h("p", { class: "eyebrow" }, "Waiting room"),
        h("h1", {}, "You're in the queue"),
        h("p", { class: "lead" }, h("a", { href: `#/events/${encodeURIComponent(this.eventId)}` }, event.name), " · ", [dateTime(event.start_at, venueZone(event)), venue.name].filter(Boolean).join(" · ")),
      ),
      this.flash ? notice(this.flash.kind, h("p", {}, this.flash.message)) : null,
      this.alertBox,
      h(
        "section",
        { class: "card queue-card", "aria-labelledby": "queue-card-title", dataset: { queueId: this.queueId } },
        h("h2", { id: "queue-card-title", class: "visually-hidden" }, "Your place"),
        h(
          "div",
          { class: "queue-figures" },
          h(
            "div",
            { class: "queue-figure" },
            h("span", { class: "queue-label", id: "queue-position-label" }, "Your place in line"),
            this.numberEl,
            (this.drawNote = h("span", { class: "queue-note muted" })),
          ),
          h("div", { class: "queue-figure" }, h("span", { class: "queue-label" }, "Estimated wait"), this.waitEl),
        ),
        this.bar,
        this.statusEl,
        this.connectionEl,
      ),
      h(
        "section",
        { class: "card queue-help", "aria-labelledby": "queue-help-title" },
        h("h2", { id: "queue-help-title" }, "While you wait"),
        h(
          "ul",
          { class: "queue-tips" },
          opensLater
            ? h("li", {}, `The sale opens ${dateTime(event.onsale.opens_at, venueZone(event))}. Everyone who joins before then gets a random place in line when it opens — there's no advantage in arriving early.`)
            : null,
          h("li", {}, "Keep this page open. It updates by itself — there's no need to refresh, and refreshing won't lose your place."),
          h("li", {}, `When it's your turn we'll take you to seat selection. Your turn lasts ${turnMinutes(event)}: hold your seats within that time.`),
          h("li", {}, "One place per customer: opening the queue in another tab or device keeps the same place."),
        ),
      ),
    ]);
    this.#render({ announceNow: true });

    const url = this.place.websocket_url || (configuredWsUrl() ? withParams(configuredWsUrl(), { queue_id: this.queueId }) : "");
    if (url) {
      this.socket = new LiveSocket(() => (session.token() ? withParams(url, { queue_id: url.includes("queue_id=") ? undefined : this.queueId, token: session.token() }) : ""), {
        onMessage: (message) => this.#onMessage(message),
        onState: (state) => this.#onConnection(state),
      }).start();
    } else {
      this.#onConnection("unavailable");
    }
    this.#schedulePoll(this.socket ? POLL_WHILE_UP_MS : POLL_WHILE_DOWN_MS);
    this.ctx.onLeave(() => this.#stop());
    if (this.status !== "waiting") this.#apply(this.joined);
    else this.#poll();
  }

  #stop() {
    this.done = true;
    this.socket?.stop();
    clearTimeout(this.pollTimer);
  }

  #onMessage(message) {
    if (this.done) return;
    if (message.type === "position") {
      this.#apply({ status: "waiting", position: message.position, estimated_wait_seconds: message.estimated_wait_seconds });
    } else if (message.type === "admitted") {
      this.#apply({ status: "admitted", admission_token: message.admission_token, expires_at: message.expires_at });
    } else if (message.type === "expired") {
      this.#apply({ status: "expired" });
    }
  }

  #onConnection(state) {
    if (this.done) return;
    const previous = this.connection;
    this.connection = state;
    if (state === "open") {
      this.connectionEl.replaceChildren(h("span", { class: "live-dot", "aria-hidden": "true" }), "Live: your place updates as the line moves.");
      this.connectionEl.classList.remove("is-reconnecting");
      if (previous === "retrying") announce("Reconnected. Your place is kept.");
      // Catch up on anything missed while the socket was down (or being set up).
      this.#poll();
    } else if (state === "retrying") {
      this.connectionEl.replaceChildren(icon("alert", { size: 16 }), " Reconnecting… your place is kept. We're checking your place every few seconds meanwhile.");
      this.connectionEl.classList.add("is-reconnecting");
      if (previous === "open") announce("Connection lost. Reconnecting — your place is kept.");
      this.#schedulePoll(POLL_WHILE_DOWN_MS, { sooner: true });
    } else if (state === "unavailable") {
      this.connectionEl.replaceChildren("We check your place every few seconds.");
    } else if (state === "connecting" && previous !== "retrying") {
      this.connectionEl.replaceChildren("Connecting…");
    }
  }

  /** Poll after `delay`; with `sooner`, only if that is earlier than the poll already planned. */
  #schedulePoll(delay, { sooner = false } = {}) {
    if (this.done) return;
    const due = Date.now() + delay;
    if (sooner && this.pollTimer !== null && this.pollDue <= due) return;
    clearTimeout(this.pollTimer);
    this.pollDue = due;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.#poll();
    }, delay);
  }

  async #poll() {
    if (this.done) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    try {
      const answer = await api("GET", `/events/${encodeURIComponent(this.eventId)}/queue/${encodeURIComponent(this.queueId)}`, { auth: true, fresh: true });
      if (this.done || !this.ctx.isCurrent()) return;
      this.#apply(answer || {});
    } catch (error) {
      if (this.done || !this.ctx.isCurrent()) return;
      if (error.code === "unauthorized") {
        this.#stop();
        requireLogin("Your session has ended. Log in again to get back to your place in the queue.");
        return;
      }
      if (error.status === 404) {
        // The entry is gone (e.g. it expired long ago): join again for a fresh place.
        this.#stop();
        navigate(queuePath(this.eventId), { replace: true });
        return;
      }
    }
    if (!this.done) this.#schedulePoll(this.connection === "open" ? POLL_WHILE_UP_MS : POLL_WHILE_DOWN_MS);
  }

  #apply(update) {
    if (this.done) return;
    if (update.position !== undefined && update.position !== null && Number.isFinite(Number(update.position))) {
      this.position = Math.max(0, Number(update.position));
      if (!Number.isFinite(this.place.first_position) || this.place.first_position === null || this.position > this.place.first_position) {
        this.place = rememberPlace(this.eventId, this.user, { queue_id: this.queueId, position: this.position });
      }
    }
    if (update.estimated_wait_seconds !== undefined) this.estimate = update.estimated_wait_seconds;
    if (update.place !== undefined) this.drawn = update.place !== null;
    else if (update.position !== undefined && Date.now() >= new Date(this.event.onsale?.opens_at).getTime()) this.drawn = true;
    const status = update.status || this.status;
    if (status === "admitted" && update.admission_token) {
      this.#admitted(update.admission_token, update.expires_at);
      return;
    }
    if (status === "admitted" && !update.admission_token && this.status !== "admitted") {
      // Told over the socket without a token (or a partial answer): ask for the token itself.
      this.status = "admitted";
      this.#poll();
      return;
    }
    if (status === "expired") {
      this.#expired();
      return;
    }
    this.status = status;
    this.#render({});
  }

  #render({ announceNow = false }) {
    const known = this.position !== null;
    // Until its place is confirmed (drawn at opening, or written by the join consumer a moment
    // after a later join), the position is an upper bound: the back of the draw or of the line.
    const bound = known && !this.drawn;
    const preOpen = Date.now() < new Date(this.event.onsale?.opens_at).getTime();
    this.numberEl.textContent = known ? `${bound ? "≤ " : ""}${count(this.position)}` : "—";
    this.numberEl.setAttribute("aria-label", known ? `Your place in line: ${bound ? "at most " : ""}${count(this.position)}` : "Your place is being assigned");
    this.drawNote.textContent = bound ? (preOpen ? "Places are drawn at random when the sale opens." : "Confirming your place…") : "";
    const wait = waitPhrase(this.estimate);
    this.waitEl.textContent = wait ? capitalise(wait) : known ? "Working it out…" : "When the sale opens";
    const progress = known ? queueProgress(this.place.first_position, this.position) : 0;
    const percent = Math.round(progress * 100);
    this.barFill.style.width = `${percent}%`;
    this.bar.setAttribute("aria-valuenow", String(percent));
    this.bar.setAttribute("aria-valuetext", known ? `${percent}% of the way to the front` : "Waiting for the sale to open");
    const kind = !known ? "unknown" : bound && preOpen ? "draw" : bound ? "bound" : "place";
    const kindChanged = kind !== this.kind;
    this.kind = kind;
    const numbersDue = known && this.announcer.shouldAnnounce(this.position);
    if (!announceNow && !kindChanged && !numbersDue) return;
    const estimate = wait ? ` Estimated wait: ${wait}.` : "";
    this.statusEl.textContent = {
      unknown: "You're in the queue. Your place is assigned when the sale opens.",
      draw: `You're in the draw for places: at most number ${count(this.position)}.${estimate}`,
      bound: `You're in the queue: at most number ${count(this.position)}.${estimate}`,
      place: `You're number ${count(this.position)} in line.${estimate}`,
    }[kind];
  }

  #admitted(token, expiresAt) {
    const admission = storeAdmission(this.eventId, this.user, token, expiresAt);
    this.#stop();
    const until = time(admission.expires_at);
    // The event page's status box says how long the turn lasts, for as long as it lasts.
    announce(`It's your turn! Hold your seats within ${admissionLeftPhrase(admission.expires_at)} (by ${until}).`);
    navigate(`/events/${encodeURIComponent(this.eventId)}`);
  }

  #expired() {
    this.#stop();
    forgetAdmission(this.eventId);
    this.status = "expired";
    this.numberEl.textContent = "—";
    this.waitEl.textContent = "—";
    this.connectionEl.replaceChildren();
    this.statusEl.textContent = "";
    this.bar.setAttribute("aria-valuetext", "Your turn has ended");
    // One place per customer per onsale (that is what keeps the queue fair): an unused turn is
    // not given again. The event page may still offer its waitlist once it sells out.
    const back = h("a", { class: "button button-secondary", href: `#/events/${encodeURIComponent(this.eventId)}` }, "Back to the event");
    const box = notice(
      "warning",
      h("p", { class: "notice-title", tabindex: "-1" }, "Your turn has ended"),
      h("p", {}, `Each turn lasts ${turnMinutes(this.event)}, and yours ran out before seats were held, so it passed to the next person in line. Each customer gets one place in the queue per onsale.`),
      h("p", {}, back),
    );
    this.alertBox.replaceChildren(box);
    this.ctx.main.querySelector("h1").textContent = "Your turn has ended";
    announce("Your turn has ended before seats were held.", { assertive: true });
    box.querySelector(".notice-title").focus();
  }
}

function turnMinutes(event) {
  const minutes = Number(event.onsale?.admission_minutes) || 10;
  return `${minutes} minutes`;
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
