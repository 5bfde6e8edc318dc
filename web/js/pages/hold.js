// Checkout: the held seats, a countdown to the hold's expiry, a test card, pay or release.

import { api, cachedEvent, uuid } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import { clock, dateTime, money, plural, spokenDuration, venueZone } from "../format.js";
import { navigate, setFlash } from "../router.js";
import { describeSeats, ensureSeatLabels, seatInfo } from "../seats.js";
import { ensureSignedIn, loading, pageError, requireLogin } from "../ui.js";
import { rememberBooking } from "./booking.js";

const HOLDS_KEY = "onsale.holds";
// Announce the time left at these marks (seconds) rather than every second.
const MARKS = [300, 120, 60, 30, 10];
// One Idempotency-Key per (hold, card): a retry of the same payment is the same request.
const paymentKeys = new Map();

export const TEST_CARDS = [
  { token: "tok_visa", label: "Visa (succeeds)", detail: "Visa ending 4242 — payment goes through" },
  { token: "tok_chargeDeclined", label: "Declined card", detail: "Always declined — to see what happens" },
];

function readHolds() {
  try {
    return JSON.parse(sessionStorage.getItem(HOLDS_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

/** Remember a fresh hold (and its event's name) so checkout renders without waiting. */
export function rememberHold(hold, event) {
  const holds = readHolds();
  holds[hold.hold_id] = { hold, event: event ? { event_id: event.event_id, name: event.name, start_at: event.start_at, venue: event.venue } : null };
  try {
    sessionStorage.setItem(HOLDS_KEY, JSON.stringify(holds));
  } catch {
    // Not essential.
  }
}

/** A hold this tab made for the event that has not run out (to offer "continue to checkout"). */
export function pendingHold(eventId) {
  const now = Date.now();
  return (
    Object.values(readHolds())
      .map((entry) => entry.hold)
      .find((hold) => hold && hold.event_id === eventId && new Date(hold.expires_at).getTime() > now) || null
  );
}

function forgetHold(holdId) {
  const holds = readHolds();
  delete holds[holdId];
  sessionStorage.setItem(HOLDS_KEY, JSON.stringify(holds));
}

export async function holdPage(ctx) {
  if (!ensureSignedIn(ctx, "Log in to see your held seats.")) return;
  const holdId = ctx.params.id;
  document.title = "Checkout · Onsale";
  ctx.main.append(loading("Loading your seats…"));
  let hold;
  try {
    hold = await api("GET", `/holds/${encodeURIComponent(holdId)}`, { auth: true });
  } catch (error) {
    if (!ctx.isCurrent()) return;
    if (error.code === "unauthorized") {
      requireLogin("Your session has ended. Log in again to continue checkout.");
      return;
    }
    ctx.main.replaceChildren(
      error.status === 404
        ? pageError("This hold has ended", "These seats are no longer held for you: the hold was released, paid for, or it expired.", h("a", { class: "button button-primary", href: "#/me/bookings" }, "My bookings"), " ", h("a", { class: "button button-secondary", href: "#/" }, "Find events"))
        : pageError("We couldn't load your seats", error.message, h("a", { class: "button button-secondary", href: `#/holds/${encodeURIComponent(holdId)}` }, "Try again")),
    );
    return;
  }
  if (hold.status && hold.status !== "active") {
    // Paid for, released or expired already (e.g. the back button after paying).
    forgetHold(holdId);
    if (hold.booking_id) {
      navigate(`/bookings/${encodeURIComponent(hold.booking_id)}`, { replace: true });
      return;
    }
    ctx.main.replaceChildren(
      pageError(
        "This hold has ended",
        hold.status === "expired"
          ? "The hold expired and the seats went back on sale."
          : "These seats are no longer held for you.",
        h("a", { class: "button button-primary", href: "#/me/bookings" }, "My bookings"),
        " ",
        h("a", { class: "button button-secondary", href: `#/events/${encodeURIComponent(hold.event_id)}` }, "Back to the event"),
      ),
    );
    return;
  }
  let event = readHolds()[holdId]?.event || null;
  try {
    const seatIds = hold.seat_ids || [];
    if (!event || seatIds.some((id) => !seatInfo(id))) {
      const full = await cachedEvent(hold.event_id);
      event = event || full;
      await ensureSeatLabels(full, seatIds);
    }
  } catch {
    // The event's name and seat labels are a nicety: checkout works without them.
  }
  if (!ctx.isCurrent()) return;
  ctx.main.replaceChildren();
  new Checkout(ctx, hold, event).mount();
}

class Checkout {
  constructor(ctx, hold, event) {
    this.ctx = ctx;
    this.hold = hold;
    this.event = event;
    this.expiresAt = new Date(hold.expires_at).getTime();
    this.announced = new Set();
    this.paying = false;
    this.expired = false;
  }

  get secondsLeft() {
    return (this.expiresAt - Date.now()) / 1000;
  }

  mount() {
    const { hold, event, ctx } = this;
    const eventLink = `#/events/${encodeURIComponent(hold.event_id)}`;
    this.clockEl = h("span", { class: "countdown-clock" }, clock(this.secondsLeft));
    this.timerEl = h(
      "div",
      { class: "countdown", role: "timer", "aria-live": "off", "aria-label": "Time left to pay" },
      icon("clock", { size: 22 }),
      this.clockEl,
    );
    this.meter = h("span", { class: "countdown-meter-fill" });
    this.alert = h("div", { class: "pay-alert" });
    this.cards = TEST_CARDS.map((card, i) =>
      h("input", { type: "radio", name: "card", id: `card-${card.token}`, value: card.token, checked: i === 0 }),
    );
    this.payButton = h("button", { type: "submit", class: "button button-primary button-block button-large" }, `Pay ${money(hold.total)}`);
    this.releaseButton = h("button", { type: "button", class: "button button-ghost button-block", onclick: () => this.release() }, "Release these seats");
    const seats = hold.seat_ids || [];
    this.form = h(
      "form",
      { class: "card pay-card", "aria-labelledby": "pay-title" },
      h("h2", { id: "pay-title" }, "Payment"),
      h(
        "fieldset",
        { class: "card-options" },
        h("legend", {}, "Test card"),
        TEST_CARDS.map((card, i) =>
          h(
            "div",
            { class: "card-option" },
            this.cards[i],
            h(
              "label",
              { for: `card-${card.token}` },
              icon("card", { size: 20 }),
              h("span", { class: "card-option-text" }, h("span", { class: "card-option-name" }, card.label), h("span", { class: "card-option-detail muted" }, card.detail)),
            ),
          ),
        ),
      ),
      this.alert,
      this.payButton,
      this.releaseButton,
      h("p", { class: "fine-print muted" }, "Test mode: no real card is charged."),
    );
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.pay();
    });

    append(ctx.main, [
      h("a", { class: "back-link", href: eventLink }, icon("arrowLeft", { size: 16 }), "Back to the event"),
      h("h1", {}, "Checkout"),
      h(
        "div",
        { class: "checkout-grid" },
        h(
          "div",
          { class: "checkout-main" },
          h(
            "section",
            { class: "card timer-card", "aria-labelledby": "timer-title" },
            h("div", { class: "timer-text" },
              h("h2", { id: "timer-title" }, "Your seats are held"),
              h("p", { class: "muted" }, "Pay before the timer runs out, or the seats go back on sale."),
            ),
            this.timerEl,
            h("span", { class: "countdown-meter", "aria-hidden": "true" }, this.meter),
          ),
          h(
            "section",
            { class: "card summary-card", "aria-labelledby": "summary-title" },
            h("h2", { id: "summary-title" }, "Order summary"),
            event
              ? h("div", { class: "summary-event" },
                  h("p", { class: "summary-event-name" }, h("a", { href: eventLink }, event.name)),
                  h("p", { class: "muted" }, [dateTime(event.start_at, venueZone(event)), event.venue?.name, event.venue?.city].filter(Boolean).join(" · ")),
                )
              : null,
            h("ul", { class: "seat-lines", "aria-label": "Held seats" }, describeSeats(seats).map((line) => h("li", {}, icon("ticket", { size: 16 }), line))),
            h("div", { class: "order-total" }, h("span", {}, `Total for ${plural(seats.length, "seat")}`), h("strong", {}, money(hold.total))),
          ),
        ),
        this.form,
      ),
    ]);

    this.total = Math.max(1, this.secondsLeft);
    this.tick();
    const timer = setInterval(() => this.tick(), 1000);
    ctx.onLeave(() => clearInterval(timer));
    announce(`Your seats are held for ${spokenDuration(this.secondsLeft)}.`);
  }

  tick() {
    if (this.expired) return;
    const left = this.secondsLeft;
    this.clockEl.textContent = clock(left);
    this.meter.style.width = `${Math.max(0, Math.min(100, (100 * left) / this.total))}%`;
    this.timerEl.classList.toggle("is-urgent", left <= 60);
    for (const mark of MARKS) {
      if (left <= mark && left > mark - 5 && !this.announced.has(mark) && this.total > mark + 5) {
        this.announced.add(mark);
        announce(`${spokenDuration(mark)} left to pay.`);
      }
    }
    if (left <= 0) this.expire();
  }

  expire(message = "Your hold expired and the seats went back on sale.") {
    if (this.expired) return;
    this.expired = true;
    this.clockEl.textContent = "00:00";
    this.meter.style.width = "0%";
    this.timerEl.classList.add("is-expired");
    this.payButton.disabled = true;
    this.releaseButton.hidden = true;
    for (const card of this.cards) card.disabled = true;
    forgetHold(this.hold.hold_id);
    this.alert.replaceChildren(
      notice("error", h("p", {}, message), h("p", {}, h("a", { href: `#/events/${encodeURIComponent(this.hold.event_id)}` }, "Choose seats again"))),
    );
  }

  selectedToken() {
    return this.cards.find((c) => c.checked)?.value || "tok_visa";
  }

  async pay() {
    if (this.paying || this.expired) return;
    const token = this.selectedToken();
    const keyName = `${this.hold.hold_id}:${token}`;
    if (!paymentKeys.has(keyName)) paymentKeys.set(keyName, uuid());
    this.paying = true;
    this.alert.replaceChildren();
    this.payButton.disabled = true;
    this.payButton.setAttribute("aria-busy", "true");
    this.payButton.textContent = "Processing payment…";
    try {
      const booking = await api("POST", `/holds/${encodeURIComponent(this.hold.hold_id)}/checkout`, {
        body: { payment_token: token },
        auth: true,
        idempotencyKey: paymentKeys.get(keyName),
      });
      forgetHold(this.hold.hold_id);
      rememberBooking(booking);
      if (!this.ctx.isCurrent()) return;
      announce("Payment complete. Your booking is confirmed.");
      navigate(`/bookings/${encodeURIComponent(booking.booking_id)}?confirmed=1`);
    } catch (error) {
      if (!this.ctx.isCurrent()) return;
      this.paying = false;
      this.payButton.removeAttribute("aria-busy");
      this.payButton.textContent = `Pay ${money(this.hold.total)}`;
      this.payButton.disabled = false;
      this.failed(error, token);
    }
  }

  failed(error, token) {
    switch (error.code) {
      case "payment_declined":
        // A declined payment can be retried with the same card only as a new request.
        paymentKeys.delete(`${this.hold.hold_id}:${token}`);
        this.alert.replaceChildren(
          notice(
            "error",
            h("p", { class: "notice-title" }, "Your card was declined."),
            h("p", {}, "Nothing was charged and your seats are still held. Try another card before the timer runs out."),
          ),
        );
        this.form.querySelector("fieldset").scrollIntoView({ block: "nearest" });
        this.cards.find((c) => c.value !== token)?.focus();
        return;
      case "hold_expired":
        this.expire("Your hold expired before the payment went through, so nothing was charged. The seats went back on sale.");
        return;
      case "hold_not_found":
        this.expire("These seats are no longer held for you.");
        return;
      case "unauthorized":
        requireLogin("Your session has ended. Log in again to finish paying — your seats stay held until the timer runs out.");
        return;
      default:
        this.alert.replaceChildren(notice("error", h("p", {}, error.message || "The payment didn't go through. Please try again.")));
    }
  }

  async release() {
    this.releaseButton.disabled = true;
    try {
      await api("DELETE", `/holds/${encodeURIComponent(this.hold.hold_id)}`, { auth: true });
    } catch (error) {
      if (error.code === "unauthorized") {
        requireLogin("Your session has ended. Log in again.");
        return;
      }
      if (error.code !== "hold_not_found") {
        this.releaseButton.disabled = false;
        this.alert.replaceChildren(notice("error", h("p", {}, error.message)));
        return;
      }
    }
    forgetHold(this.hold.hold_id);
    setFlash("success", "Your seats were released.");
    announce("Your seats were released.");
    navigate(`/events/${encodeURIComponent(this.hold.event_id)}`);
  }
}
