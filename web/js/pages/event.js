// The event page: facts, per-section availability, a seat map loaded one section at a time,
// the customer's selection, "best available", and the hold that starts checkout.

import { api, uuid } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import { categoryLabel, count, longDate, money, plural, priceRange, time, dateTime, venueZone } from "../format.js";
import { currentPath, navigate, replaceQuery, setFlash, takeFlash } from "../router.js";
import { rememberSeats, seatLabel, spokenSeat } from "../seats.js";
import { SeatMap } from "../seatmap.js";
import { session } from "../session.js";
import { backLink, loading, pageError, requireLogin, statusPill } from "../ui.js";
import { followControl } from "../follow.js";
import { configuredWsUrl, LiveSocket, withParams } from "../live.js";
import { admissionFor, admissionLapsed, admissionLeftPhrase, forgetAdmission } from "../waitroom.js";
import { waitlistCard } from "../waitlist.js";
import { pendingHold, rememberHold } from "./hold.js";
import { queuePath } from "./queue.js";
import { eventCard } from "./search.js";

const REFRESH_MS = 5000;
// While the live seat map's socket is open, polling is a safety net, and the way expired holds
// show (an expiry is no write, so nothing is pushed).
const REFRESH_LIVE_MS = 15_000;
// Changes made between the first seat-map read and the subscription are never pushed, and the
// seat map is eventually consistent (about a second): read again once the socket is open, and
// once more after this long.
const SETTLE_AFTER_OPEN_MS = 3000;
// Seat pushes say which seats changed, not the sections' counts: those follow at most this often.
const SUMMARY_AFTER_PUSH_MS = 3000;
// Selections survive leaving the page (e.g. to log in) for the life of the tab.
const selections = new Map();

export async function eventPage(ctx) {
  const eventId = ctx.params.id;
  ctx.main.append(loading("Loading event…"));
  let event;
  try {
    event = await api("GET", `/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    document.title = "Event not found · Onsale";
    ctx.main.replaceChildren(
      error.code === "event_not_found" || error.status === 404
        ? pageError("Event not found", "This event doesn't exist or is no longer listed.", h("a", { class: "button button-primary", href: "#/" }, "Find events"))
        : pageError("We couldn't load this event", error.message, h("a", { class: "button button-secondary", href: `#${currentPath()}` }, "Try again")),
    );
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.replaceChildren();
  new EventView(ctx, event).mount();
}

function tone(section) {
  if (!section.total || section.available <= 0) return "none";
  const ratio = section.available / section.total;
  if (ratio < 0.15) return "low";
  if (ratio < 0.5) return "medium";
  return "high";
}

function sectionGroup(name) {
  const match = /^(.*?)[\s-]*\d+$/.exec(name);
  return match && match[1] ? match[1] : name;
}

class EventView {
  constructor(ctx, event) {
    this.ctx = ctx;
    this.event = event;
    this.eventId = event.event_id;
    if (!selections.has(this.eventId)) selections.set(this.eventId, new Map());
    this.selection = selections.get(this.eventId);
    this.section = null;
    this.seatsLoaded = false;
    this.tiles = new Map();
    this.busy = false;
    this.pushedAt = new Map(); // seat_id -> as_of (ms) of the latest live change
  }

  get max() {
    return Number(this.event.onsale?.max_per_order) || 8;
  }

  get onSale() {
    return this.event.onsale?.status === "on_sale";
  }

  mount() {
    const { event, ctx } = this;
    document.title = `${event.name} · Onsale`;
    const flash = takeFlash();
    const venue = event.venue || {};
    const sections = event.sections || [];
    const performers = (event.performers || []).filter(Boolean);

    this.statusBox = h("div", { class: "status-box" });
    this.mapArea = h("div", { class: "map-area" });
    this.mapTitle = h("h3", { id: "map-title", class: "map-title" }, "Pick a section");
    this.mapAlert = h("div");

    append(ctx.main, [
      backLink("#/", "All events"),
      h(
        "header",
        { class: "event-hero" },
        h("div", { class: "event-hero-text" },
          h("p", { class: "eyebrow" }, categoryLabel(event.category), " ", statusPill(event.onsale?.status)),
          h("h1", {}, event.name),
          performers.length ? h("p", { class: "event-performers" }, performers.join(" · ")) : null,
        ),
        h(
          "dl",
          { class: "facts" },
          fact("calendar", "When", h("time", { datetime: event.start_at }, longDate(event.start_at, venueZone(event))), h("span", { class: "muted" }, `Starts ${time(event.start_at, venueZone(event))}`)),
          fact("pin", "Where", venue.name, h("span", { class: "muted" }, placeLine(venue))),
          fact("ticket", "Prices", priceRange(sections.map((s) => s.price)) || "—", h("span", { class: "muted" }, `Up to ${plural(this.max, "ticket")} per order`)),
        ),
        venue.venue_id
          ? h(
              "div",
              { class: "event-hero-venue" },
              h("a", { class: "venue-link", href: `#/venues/${encodeURIComponent(venue.venue_id)}` }, `More at ${venue.name || "this venue"}`),
              followControl(venue),
            )
          : null,
      ),
      flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
      event.description ? h("section", { class: "about", "aria-label": "About this event" }, h("p", {}, event.description)) : null,
      h(
        "div",
        { class: "event-layout" },
        h(
          "section",
          { class: "event-main", "aria-labelledby": "seats-title" },
          h("h2", { id: "seats-title" }, "Choose your seats"),
          this.statusBox,
          this.#sectionsOverview(sections),
          h(
            "section",
            { class: "card map-card", "aria-labelledby": "map-title" },
            h("div", { class: "map-card-head" }, this.mapTitle, h("p", { class: "map-subtitle muted", id: "map-subtitle" })),
            this.mapAlert,
            this.mapArea,
          ),
        ),
        h("div", { class: "event-side" }, this.soldOut ? waitlistCard(event, this.max) : null, this.#orderCard(), this.#bestAvailable(sections)),
      ),
      this.#recommendations(),
    ]);

    this.map = new SeatMap({
      onToggle: (seat) => this.toggle(seat),
      isSelected: (id) => this.selection.has(id),
      stageLabel: event.category === "sports" ? "Field" : "Stage",
    });
    this.hadAdmission = Boolean(this.queued && this.admission);
    this.#renderStatus();
    this.#renderOrder();

    const wanted = ctx.query.get("section");
    const initial =
      sections.find((s) => s.section === wanted) ||
      (sections.length === 1 ? sections[0] : null) ||
      sections.find((s) => this.selectionSections().has(s.section));
    if (initial) this.openSection(initial.section, { focus: false });
    else this.mapArea.replaceChildren(h("p", { class: "map-placeholder muted" }, "Pick a section above to see its seats."));

    this.lastRefresh = Date.now();
    const timer = setInterval(() => {
      // Polling every few seconds, or only now and then while the live seat map is connected.
      const gap = this.live?.isOpen ? REFRESH_LIVE_MS : REFRESH_MS;
      if (document.visibilityState === "visible" && !this.busy && Date.now() - this.lastRefresh >= gap - 250) this.refresh();
      this.#checkAdmission();
    }, REFRESH_MS);
    ctx.onLeave(() => clearInterval(timer));
    this.#connectLive();
  }

  get soldOut() {
    const onsale = this.event.onsale || {};
    if (onsale.status === "sold_out") return true;
    const sections = this.event.sections || [];
    return onsale.status === "on_sale" && sections.length > 0 && sections.every((s) => Number(s.available) <= 0);
  }

  // --- the waiting room ----------------------------------------------------------------------

  get queued() {
    return Boolean(this.event.onsale?.queue_required) && ["on_sale", "scheduled"].includes(this.event.onsale?.status);
  }

  get admission() {
    return admissionFor(this.eventId, session.current()?.email || "");
  }

  /** A queued onsale without a current admission: holding starts in the queue. */
  get needsQueue() {
    return this.queued && !this.admission;
  }

  #checkAdmission() {
    if (!this.queued) return;
    const user = session.current()?.email || "";
    if (this.hadAdmission && !this.admission && admissionLapsed(this.eventId, user) && !this.busy) {
      this.#admissionEnded();
      return;
    }
    if (this.admission) this.hadAdmission = true;
    this.#renderStatus();
  }

  /** The admission ran out: back to the queue page, which says so (and what happens now). */
  #admissionEnded() {
    forgetAdmission(this.eventId);
    navigate(queuePath(this.eventId));
  }

  // --- live seat map ----------------------------------------------------------------------

  #connectLive() {
    const base = configuredWsUrl();
    if (!base) return;
    this.live = new LiveSocket(withParams(base, { event_id: this.eventId }), {
      onMessage: (message) => this.#onLive(message),
      onState: (state) => {
        // Subscribed (or back from a gap): catch up with whatever changed before, then again
        // once the eventually consistent seat map has settled.
        if (state === "open") {
          this.refresh({ fresh: true });
          clearTimeout(this.settleTimer);
          this.settleTimer = setTimeout(() => {
            if (this.ctx.isCurrent() && !this.busy) this.refresh({ fresh: true });
          }, SETTLE_AFTER_OPEN_MS);
        }
        this.mapArea.dataset.live = state;
      },
    }).start();
    this.ctx.onLeave(() => {
      this.live.stop();
      clearTimeout(this.summaryTimer);
      clearTimeout(this.settleTimer);
    });
  }

  #onLive(message) {
    if (message.type !== "seats" || (message.event_id && message.event_id !== this.eventId)) return;
    if (message.refresh) {
      this.refresh({ fresh: true });
      return;
    }
    const changes = Array.isArray(message.changes) ? message.changes : [];
    // Remember when each seat was pushed, so that an older (cached) seat map read cannot
    // paint it back to what it was.
    const asOf = Date.parse(message.as_of) || Date.now();
    for (const change of changes) this.pushedAt.set(change.seat_id, asOf);
    if (this.section && this.seatsLoaded) {
      const seats = [];
      for (const change of changes) {
        const known = this.map.seats.get(change.seat_id);
        if (known && change.status && known.status !== change.status) seats.push({ ...known, status: change.status });
      }
      if (seats.length) {
        // One repaint for the whole message; focus stays where it is.
        this.map.update(seats);
        this.#dropUnavailable(seats, { quiet: false });
      }
    }
    if (changes.length) this.#refreshSummarySoon();
  }

  /** The section tiles' counts after pushes, at most every few seconds. */
  #refreshSummarySoon() {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = null;
      if (this.ctx.isCurrent() && !this.busy) this.refresh({ seats: false });
    }, SUMMARY_AFTER_PUSH_MS);
  }

  // --- recommendations ---------------------------------------------------------------------

  #recommendations() {
    const list = h("ul", { class: "event-grid", "aria-labelledby": "recs-title" });
    const section = h(
      "section",
      { class: "recommendations", "aria-labelledby": "recs-title", hidden: true },
      h("h2", { id: "recs-title" }, "You may also like"),
      list,
    );
    api("GET", `/events/${encodeURIComponent(this.eventId)}/recommendations`)
      .then((answer) => {
        const events = (answer?.events || []).filter((e) => e && e.event_id !== this.eventId).slice(0, 6);
        if (!this.ctx.isCurrent() || !events.length) return;
        list.replaceChildren(...events.map(eventCard));
        section.hidden = false;
      })
      .catch(() => {
        // Suggestions are a nicety: without them the page is complete.
      });
    return section;
  }

  selectionSections() {
    return new Set([...this.selection.values()].map((s) => s.section));
  }

  // --- sections ------------------------------------------------------------------------

  #sectionsOverview(sections) {
    const groups = new Map();
    for (const section of sections) {
      const group = sectionGroup(section.section);
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(section);
    }
    const grouped = sections.length > 8 && groups.size > 1;
    const body = grouped
      ? [...groups].map(([name, list]) =>
          h("div", { class: "section-group" }, h("h3", { class: "section-group-title" }, name), h("div", { class: "section-grid" }, list.map((s) => this.#tile(s)))),
        )
      : [h("div", { class: "section-grid" }, sections.map((s) => this.#tile(s)))];
    return h(
      "section",
      { class: "sections card", "aria-labelledby": "sections-title" },
      h("div", { class: "sections-head" },
        h("h3", { id: "sections-title" }, sections.length === 1 ? "Section" : `Sections (${sections.length})`),
        h("ul", { class: "tone-legend", "aria-label": "Availability colours" },
          h("li", {}, h("span", { class: "dot tone-high" }), "Plenty"),
          h("li", {}, h("span", { class: "dot tone-medium" }), "Selling fast"),
          h("li", {}, h("span", { class: "dot tone-low" }), "Few left"),
          h("li", {}, h("span", { class: "dot tone-none" }), "Sold out"),
        ),
      ),
      h("div", { class: `sections-body${sections.length > 12 ? " is-scrollable" : ""}` }, body),
    );
  }

  #tile(section) {
    const bar = h("span", { class: "tile-bar-fill" });
    const left = h("span", { class: "tile-left" });
    const tile = h(
      "button",
      {
        type: "button",
        class: "section-tile",
        "aria-pressed": "false",
        onclick: () => this.openSection(section.section, { focus: true }),
      },
      h("span", { class: "tile-top" }, h("span", { class: "tile-name" }, section.section), h("span", { class: "tile-price" }, money(section.price))),
      h("span", { class: "tile-bar", "aria-hidden": "true" }, bar),
      left,
    );
    this.tiles.set(section.section, { tile, bar, left });
    this.#paintTile(section);
    return tile;
  }

  /** Scroll a long section list (not the page) so the current section's tile shows. */
  #revealTile(name) {
    const tile = this.tiles.get(name)?.tile;
    const list = tile?.closest(".sections-body.is-scrollable");
    if (!tile || !list) return;
    const top = tile.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    if (top < list.scrollTop || top + tile.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  }

  #paintTile(section) {
    const parts = this.tiles.get(section.section);
    if (!parts) return;
    const t = tone(section);
    parts.tile.className = `section-tile tone-${t}${this.section === section.section ? " is-current" : ""}`;
    parts.tile.setAttribute("aria-pressed", this.section === section.section ? "true" : "false");
    parts.bar.style.width = `${section.total ? Math.round((100 * section.available) / section.total) : 0}%`;
    parts.left.textContent = section.available > 0 ? `${count(section.available)} of ${count(section.total)} left` : "Sold out";
  }

  async openSection(name, { focus }) {
    const section = (this.event.sections || []).find((s) => s.section === name);
    if (!section) return;
    this.section = name;
    for (const s of this.event.sections) this.#paintTile(s);
    this.#revealTile(name);
    if (this.bestSection) {
      this.bestSection.value = name;
      this.bestSection.dispatchEvent(new Event("change"));
    }
    replaceQuery(`/events/${encodeURIComponent(this.eventId)}`, { section: (this.event.sections.length > 1 && name) || "" });
    this.mapTitle.textContent = `Section ${name}`;
    document.getElementById("map-subtitle").textContent = `${money(section.price)} per seat · ${count(section.available)} available`;
    this.mapAlert.replaceChildren();
    this.mapArea.replaceChildren(loading(`Loading seats in section ${name}…`));
    this.seatsLoaded = false;
    try {
      const answer = await api("GET", `/events/${encodeURIComponent(this.eventId)}/seats`, { query: { section: name } });
      if (!this.ctx.isCurrent() || this.section !== name) return;
      const seats = (answer?.seats || []).filter((s) => s.section === name);
      this.mapArea.replaceChildren(this.map.el);
      this.map.render(name, seats);
      this.seatsLoaded = true;
      this.#dropUnavailable(seats, { quiet: true });
      announce(`Section ${name}: ${plural(seats.filter((s) => s.status === "available").length, "seat")} available.`);
      if (focus) this.mapTitle.scrollIntoView({ block: "start", behavior: "smooth" });
    } catch (error) {
      if (!this.ctx.isCurrent() || this.section !== name) return;
      const retry = h("button", { type: "button", class: "button button-secondary button-small", onclick: () => this.openSection(name, { focus }) }, "Try again");
      this.mapArea.replaceChildren(notice("error", h("p", {}, `We couldn't load the seats: ${error.message}`), retry));
    }
  }

  /** Fresh availability for the tiles, the status and the open section (keeps focus and zoom). */
  async refresh({ fresh = false, seats = true } = {}) {
    this.lastRefresh = Date.now();
    try {
      const [event, seatAnswer] = await Promise.all([
        api("GET", `/events/${encodeURIComponent(this.eventId)}`, { fresh }),
        seats && this.section && this.seatsLoaded
          ? api("GET", `/events/${encodeURIComponent(this.eventId)}/seats`, { query: { section: this.section }, fresh })
          : Promise.resolve(null),
      ]);
      if (!this.ctx.isCurrent()) return;
      this.event = { ...this.event, ...event };
      for (const s of this.event.sections || []) this.#paintTile(s);
      this.#renderStatus();
      const current = (this.event.sections || []).find((s) => s.section === this.section);
      if (current) document.getElementById("map-subtitle").textContent = `${money(current.price)} per seat · ${count(current.available)} available`;
      if (seatAnswer && this.section) {
        const readAt = Date.parse(seatAnswer.as_of) || 0;
        const seats = (seatAnswer.seats || []).filter((s) => s.section === this.section && !(this.pushedAt.get(s.seat_id) > readAt));
        this.map.update(seats);
        this.#dropUnavailable(seats, { quiet: false });
      }
    } catch {
      // A failed background refresh changes nothing; the next one may succeed.
    }
  }

  #dropUnavailable(seats, { quiet }) {
    const gone = seats.filter((s) => s.status !== "available" && this.selection.has(s.seat_id));
    if (!gone.length) return;
    for (const seat of gone) {
      this.selection.delete(seat.seat_id);
      this.map.refreshSeat(seat.seat_id);
    }
    this.#renderOrder();
    if (!quiet) {
      const message = `${gone.map(spokenSeat).join("; ")} ${gone.length === 1 ? "was" : "were"} just taken and removed from your selection.`;
      this.#showOrderAlert("warning", message);
    }
  }

  #renderStatus() {
    const onsale = this.event.onsale || {};
    const messages = {
      scheduled: `Tickets go on sale ${dateTime(onsale.opens_at, venueZone(this.event))}.`,
      sold_out: "This event is sold out. Seats may come back if someone cancels: join the waitlist to be offered them.",
      ended: "This event has ended.",
      provisioning: "Tickets are being set up. This page updates by itself in a moment.",
    };
    const boxes = [];
    const pending = pendingHold(this.eventId);
    if (pending) {
      boxes.push(
        notice(
          "info",
          h("p", {}, `You have ${plural(pending.seat_ids.length, "seat")} on hold for this event. `,
            h("a", { href: `#/holds/${encodeURIComponent(pending.hold_id)}` }, "Continue to checkout"),
          ),
        ),
      );
    }
    if (messages[onsale.status]) boxes.push(notice(onsale.status === "sold_out" ? "warning" : "info", h("p", {}, messages[onsale.status])));
    if (this.queued) {
      const admission = this.admission;
      if (admission) {
        boxes.push(
          notice(
            "success",
            h("p", { class: "notice-title" }, "It's your turn"),
            h("p", { class: "admission-left" }, `Hold your seats within ${admissionLeftPhrase(admission.expires_at)} (by ${time(admission.expires_at)}). After that, your turn passes to the next person in the queue.`),
          ),
        );
      } else {
        boxes.push(
          notice(
            "info",
            h("p", { class: "notice-title" }, "This onsale has a waiting room"),
            h("p", {}, onsale.status === "scheduled"
              ? "Join the queue now: everyone who joins before the sale opens gets a random place in line, and you'll be taken to seat selection when it's your turn."
              : "Join the queue to buy: you'll be taken to seat selection when it's your turn. You can look at the seats meanwhile."),
            h("p", {}, h("a", { class: "button button-primary", href: `#${queuePath(this.eventId)}`, id: "join-queue" }, "Join the queue")),
          ),
        );
      }
    }
    const key = boxes.map((b) => b.textContent).join("|");
    if (this.statusKey !== key) {
      this.statusKey = key;
      this.statusBox.replaceChildren(...boxes);
    }
    this.#renderOrder();
  }

  // --- selection and order ---------------------------------------------------------------

  toggle(seat) {
    if (this.selection.has(seat.seat_id)) {
      this.selection.delete(seat.seat_id);
      announce(`Removed ${spokenSeat(seat)}. ${plural(this.selection.size, "seat")} selected.`);
    } else {
      if (this.selection.size >= this.max) {
        const message = `You can choose up to ${plural(this.max, "seat")} per order. Remove one to pick another.`;
        this.#showOrderAlert("warning", message);
        announce(message);
        return;
      }
      this.selection.set(seat.seat_id, seat);
      rememberSeats([seat]);
      announce(`Selected ${spokenSeat(seat)}, ${money(seat.price)}. ${plural(this.selection.size, "seat")} selected.`);
    }
    this.orderAlert.replaceChildren();
    this.map.refreshSeat(seat.seat_id);
    this.#renderOrder();
  }

  #orderCard() {
    this.orderCount = h("span", { class: "order-count muted" });
    this.chips = h("ul", { class: "chips", "aria-label": "Selected seats" });
    this.orderEmpty = h("p", { class: "order-empty muted" }, "Pick seats on the map, or let us find the best available.");
    this.orderTotal = h("strong", { class: "order-total-value" });
    this.orderAlert = h("div", { class: "order-alert" });
    this.holdButton = h("button", { type: "button", class: "button button-primary button-block", id: "hold-button", onclick: () => this.holdSelected() });
    this.holdNote = h("p", { class: "fine-print muted" });
    return h(
      "section",
      { class: "card order-card", "aria-labelledby": "order-title" },
      h("div", { class: "order-head" }, h("h2", { id: "order-title" }, "Your seats"), this.orderCount),
      this.chips,
      this.orderEmpty,
      h("div", { class: "order-total" }, h("span", {}, "Total"), this.orderTotal),
      this.orderAlert,
      this.holdButton,
      this.holdNote,
    );
  }

  #renderOrder() {
    if (!this.chips) return;
    const seats = [...this.selection.values()];
    this.chips.replaceChildren(
      ...seats.map((seat) =>
        h(
          "li",
          { class: "chip" },
          h("span", { class: "chip-text" }, h("span", { class: "chip-section" }, seat.section), h("span", {}, `Row ${seat.row} · Seat ${seat.number}`)),
          h("span", { class: "chip-price" }, money(seat.price)),
          h(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Remove ${spokenSeat(seat)}`,
              onclick: () => {
                this.toggle(this.map.seats.get(seat.seat_id) || seat);
                this.holdButton.focus();
              },
            },
            icon("x", { size: 14 }),
          ),
        ),
      ),
    );
    this.chips.hidden = seats.length === 0;
    this.orderEmpty.hidden = seats.length > 0;
    this.orderCount.textContent = `${seats.length} of ${this.max}`;
    const currency = seats[0]?.price?.currency || this.event.sections?.[0]?.price?.currency || "USD";
    this.orderTotal.textContent = money({ amount: seats.reduce((sum, s) => sum + (s.price?.amount || 0), 0), currency });
    const minutes = Math.round((Number(this.event.onsale?.hold_seconds) || 600) / 60);
    this.holdNote.textContent = `We hold your seats for ${plural(minutes, "minute")} while you pay.`;
    if (this.needsQueue) {
      // Holding needs an admission: the button leads to the queue instead (the selection is kept).
      if (!this.busy) this.holdButton.textContent = "Join the queue to hold seats";
      this.holdButton.disabled = this.busy;
      if (this.bestButton) this.bestButton.disabled = true;
      return;
    }
    if (this.bestButton && !this.busy) this.bestButton.disabled = false;
    const label = seats.length ? `Hold ${plural(seats.length, "seat")}` : "Select seats to continue";
    if (!this.busy) this.holdButton.textContent = label;
    this.holdButton.disabled = this.busy || seats.length === 0 || !this.onSale;
  }

  #showOrderAlert(kind, message, target = this.orderAlert) {
    target.replaceChildren(notice(kind, h("p", {}, message)));
  }

  #bestAvailable(sections) {
    const quantity = h(
      "select",
      { id: "best-quantity", name: "quantity" },
      Array.from({ length: this.max }, (_, i) => h("option", { value: i + 1, selected: i + 1 === Math.min(2, this.max) }, String(i + 1))),
    );
    this.bestSection = h(
      "select",
      { id: "best-section", name: "section" },
      sections.map((s) =>
        h("option", { value: s.section, disabled: s.available <= 0 }, `${s.section}${s.available <= 0 ? " (sold out)" : ""}`),
      ),
    );
    this.bestAlert = h("div", { class: "order-alert" });
    this.bestButton = h("button", { type: "submit", class: "button button-secondary button-block" });
    const label = () => {
      this.bestButton.textContent = `Find ${plural(Number(quantity.value), "seat")} in ${this.bestSection.value}`;
    };
    quantity.addEventListener("change", label);
    this.bestSection.addEventListener("change", label);
    label();
    const form = h(
      "form",
      { class: "best-form", "aria-labelledby": "best-title" },
      h("div", { class: "field-row" },
        h("div", { class: "field field-quantity" }, h("label", { for: "best-quantity" }, "Seats"), quantity),
        h("div", { class: "field" }, h("label", { for: "best-section" }, "Section"), this.bestSection),
      ),
      this.bestAlert,
      this.bestButton,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.holdBest(this.bestSection.value, Number(quantity.value));
    });
    return h(
      "section",
      { class: "card best-card", "aria-labelledby": "best-title" },
      h("h2", { id: "best-title" }, "Best available"),
      h("p", { class: "muted" }, "Tell us how many seats you need and we'll pick them for you."),
      form,
    );
  }

  // --- holding -------------------------------------------------------------------------------

  #needLogin() {
    if (session.signedIn()) return false;
    setFlash("info", "Log in or create an account to hold your seats. We've kept your selection.");
    navigate(`/login?next=${encodeURIComponent(currentPath())}`);
    return true;
  }

  async holdSelected() {
    if (this.needsQueue && !this.busy) {
      navigate(queuePath(this.eventId));
      return;
    }
    if (!this.selection.size || this.busy || this.#needLogin()) return;
    const seatIds = [...this.selection.keys()];
    await this.#hold({ seat_ids: seatIds }, this.orderAlert, this.holdButton, "Holding your seats…");
  }

  async holdBest(section, quantity) {
    if (this.needsQueue && !this.busy) {
      navigate(queuePath(this.eventId));
      return;
    }
    if (this.busy || this.#needLogin()) return;
    await this.#hold({ section, quantity }, this.bestAlert, this.bestButton, "Finding seats…");
  }

  async #hold(body, alertBox, button, busyLabel) {
    this.busy = true;
    const previous = button.textContent;
    button.textContent = busyLabel;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    alertBox.replaceChildren();
    try {
      const admission = this.queued ? this.admission : null;
      const hold = await api("POST", `/events/${encodeURIComponent(this.eventId)}/holds`, {
        body,
        auth: true,
        idempotencyKey: uuid(),
        headers: admission ? { "X-Admission-Token": admission.token } : undefined,
      });
      await this.#rememberHeldSeats(hold, body);
      rememberHold(hold, this.event);
      for (const id of hold.seat_ids || []) this.selection.delete(id);
      if (body.seat_ids) this.selection.clear();
      if (!this.ctx.isCurrent()) return;
      announce(`${plural(hold.seat_ids.length, "seat")} held. Complete payment before the timer runs out.`);
      navigate(`/holds/${encodeURIComponent(hold.hold_id)}`);
    } catch (error) {
      if (!this.ctx.isCurrent()) return;
      this.busy = false;
      button.removeAttribute("aria-busy");
      button.textContent = previous;
      button.disabled = false;
      this.#renderOrder();
      this.#holdFailed(error, body, alertBox);
    }
  }

  async #rememberHeldSeats(hold, body) {
    const ids = new Set(hold.seat_ids || []);
    let known = [...this.selection.values()].filter((s) => ids.has(s.seat_id));
    if (known.length < ids.size && body.section) {
      let seats = this.section === body.section ? [...this.map.seats.values()] : [];
      if (!seats.length) {
        try {
          const answer = await api("GET", `/events/${encodeURIComponent(this.eventId)}/seats`, { query: { section: body.section } });
          seats = answer?.seats || [];
        } catch {
          seats = [];
        }
      }
      known = seats.filter((s) => ids.has(s.seat_id));
    }
    rememberSeats(known);
  }

  #holdFailed(error, body, alertBox) {
    const max = error.problem?.max_per_order || this.max;
    let message;
    switch (error.code) {
      case "unauthorized":
        requireLogin("Your session has ended. Log in again to hold your seats — we've kept your selection.");
        return;
      case "seats_unavailable": {
        const taken = (error.problem?.seat_ids || []).filter(Boolean);
        if (taken.length) {
          const names = taken.map((id) => {
            const seat = this.selection.get(id) || this.map.seats.get(id);
            return seat ? `${seat.section} row ${seat.row} seat ${seat.number}` : seatLabel(id);
          });
          for (const id of taken) {
            this.selection.delete(id);
            this.map.refreshSeat(id);
          }
          this.#renderOrder();
          message = `Those seats were just taken: ${names.join(", ")}. We've updated the map — please choose other seats.`;
        } else if (body.section) {
          message = `There aren't ${plural(body.quantity, "seat")} left in section ${body.section}. Try fewer seats or another section.`;
        } else {
          message = "Those seats were just taken. We've updated the map — please choose other seats.";
        }
        this.refresh({ fresh: true });
        break;
      }
      case "order_limit_exceeded":
        message = `You can hold at most ${plural(Number(max), "seat")} in one order for this event.`;
        break;
      case "event_not_on_sale":
        message = "Tickets for this event aren't on sale right now.";
        this.refresh({ fresh: true });
        break;
      case "admission_required":
        if (this.admission || this.hadAdmission) {
          // The admission ran out (or was refused): back to the queue, saying why.
          this.#admissionEnded();
          return;
        }
        setFlash("info", "This onsale has a waiting room: you'll be taken to seat selection when it's your turn.");
        navigate(queuePath(this.eventId));
        return;
      case "event_not_found":
        message = "This event no longer exists.";
        break;
      default:
        message = error.message || "We couldn't hold those seats. Please try again.";
    }
    // The notice is role="alert": screen readers announce it as it appears. If the button
    // that had focus is gone or disabled, focus moves to the message rather than the page.
    const box = notice("error", h("p", {}, message));
    alertBox.replaceChildren(box);
    const active = document.activeElement;
    if (!active || active === document.body || active.disabled) {
      box.tabIndex = -1;
      box.focus();
    }
  }
}

/** "1 Test Street, Testville" — without repeating a city the address already names. */
function placeLine(venue) {
  const address = venue.address || "";
  const city = venue.city && !address.includes(venue.city) ? venue.city : "";
  return [address, city].filter(Boolean).join(", ");
}

function fact(iconName, term, ...details) {
  return h(
    "div",
    { class: "fact" },
    h("dt", {}, h("span", { class: "fact-icon", "aria-hidden": "true" }, icon(iconName, { size: 20 })), term),
    h("dd", {}, h("span", { class: "fact-main" }, details[0]), ...details.slice(1).map((d) => h("span", { class: "fact-sub" }, d))),
  );
}
