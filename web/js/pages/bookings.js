// My bookings: newest first, paginated, each cancellable while its event hasn't started.

import { api, cachedEvent } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import { dateTime, money, plural, shortDate, venueZone } from "../format.js";
import { takeFlash } from "../router.js";
import { describeSeats, ensureSeatLabels } from "../seats.js";
import { ensureSignedIn, loading, requireLogin, statusPill } from "../ui.js";

export async function bookingsPage(ctx) {
  if (!ensureSignedIn(ctx, "Log in to see your bookings.")) return;
  document.title = "My bookings · Onsale";
  const flash = takeFlash();
  const list = h("ul", { class: "booking-list", "aria-label": "Bookings" });
  const more = h("button", { type: "button", class: "button button-secondary", hidden: true }, "Load more bookings");
  const alertBox = h("div");
  append(ctx.main, [
    h("div", { class: "page-head" }, h("h1", {}, "My bookings"), h("p", { class: "lead" }, "Your tickets, newest first.")),
    flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
    alertBox,
    list,
    h("div", { class: "load-more" }, more),
  ]);
  let cursor = null;
  let shown = 0;

  async function load(append) {
    if (!append) list.replaceChildren(h("li", { class: "booking-loading" }, loading("Loading your bookings…")));
    more.disabled = true;
    try {
      const page = await api("GET", "/me/bookings", { auth: true, query: { cursor: append ? cursor : undefined }, fresh: true });
      const bookings = page?.bookings || [];
      const events = await Promise.all(bookings.map((b) => cachedEvent(b.event_id).catch(() => null)));
      await Promise.all(bookings.map((b, i) => ensureSeatLabels(events[i], b.seat_ids || []).catch(() => null)));
      if (!ctx.isCurrent()) return;
      if (!append) list.replaceChildren();
      cursor = page?.next_cursor || null;
      list.append(...bookings.map((b, i) => bookingItem(b, events[i])));
      shown += bookings.length;
      more.hidden = !cursor;
      more.disabled = false;
      if (!shown) {
        list.replaceChildren(
          h("li", { class: "empty-state" },
            h("div", { class: "empty-icon", "aria-hidden": "true" }, icon("ticket", { size: 28 })),
            h("p", { class: "empty-title" }, "No bookings yet"),
            h("p", { class: "muted" }, "When you buy tickets, they'll show up here."),
            h("p", {}, h("a", { class: "button button-primary", href: "#/" }, "Find events")),
          ),
        );
      }
      if (append) announce(`${plural(bookings.length, "more booking")} loaded.`);
    } catch (error) {
      if (!ctx.isCurrent()) return;
      if (error.code === "unauthorized") {
        requireLogin("Your session has ended. Log in again to see your bookings.");
        return;
      }
      if (!append) list.replaceChildren();
      more.disabled = false;
      alertBox.replaceChildren(notice("error", h("p", {}, `We couldn't load your bookings: ${error.message}`)));
    }
  }

  more.addEventListener("click", () => load(true));
  await load(false);
}

function bookingItem(booking, event) {
  const seats = booking.seat_ids || [];
  const status = h("span", { class: "booking-status" }, statusPill(booking.status));
  const actions = h("div", { class: "booking-actions" });
  const alertBox = h("div", { class: "booking-alert" });
  const title = event ? event.name : "Event";
  const item = h(
    "li",
    { class: `booking card${booking.status === "cancelled" ? " is-cancelled" : ""}`, dataset: { bookingId: booking.booking_id } },
    h("article", { "aria-labelledby": `booking-${booking.booking_id}` },
      h("div", { class: "booking-head" },
        h("div", {},
          h("h2", { class: "booking-title", id: `booking-${booking.booking_id}` }, h("a", { href: `#/bookings/${encodeURIComponent(booking.booking_id)}` }, title)),
          event ? h("p", { class: "muted" }, [dateTime(event.start_at, venueZone(event)), event.venue?.name, event.venue?.city].filter(Boolean).join(" · ")) : null,
        ),
        status,
      ),
      h("ul", { class: "seat-lines" }, describeSeats(seats).map((line) => h("li", {}, icon("ticket", { size: 16 }), line))),
      h("div", { class: "booking-foot" },
        h("p", { class: "booking-meta muted" },
          h("span", {}, `${plural(seats.length, "seat")} · `, h("strong", { class: "booking-total" }, money(booking.total))),
          h("span", {}, ` · Booked ${shortDate(booking.created_at)} · Ref `, h("span", { class: "mono" }, booking.booking_id)),
        ),
        actions,
      ),
      alertBox,
    ),
  );

  function showCancel() {
    if (booking.status !== "confirmed") {
      actions.replaceChildren();
      return;
    }
    const cancel = h("button", { type: "button", class: "button button-danger-ghost button-small" }, "Cancel booking");
    cancel.addEventListener("click", () => confirmCancel(cancel));
    actions.replaceChildren(cancel);
  }

  function confirmCancel() {
    const yes = h("button", { type: "button", class: "button button-danger button-small" }, "Yes, cancel it");
    const no = h("button", { type: "button", class: "button button-ghost button-small" }, "Keep booking");
    const question = h("p", { class: "confirm-question", id: `confirm-${booking.booking_id}` }, "Cancel this booking? The seats go back on sale and your card is refunded.");
    actions.replaceChildren(h("div", { class: "confirm-box", role: "group", "aria-labelledby": `confirm-${booking.booking_id}` }, question, h("div", { class: "confirm-buttons" }, no, yes)));
    no.addEventListener("click", () => {
      showCancel();
      actions.querySelector("button")?.focus();
    });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      no.disabled = true;
      yes.textContent = "Cancelling…";
      try {
        const updated = await api("POST", `/bookings/${encodeURIComponent(booking.booking_id)}/cancel`, { auth: true });
        Object.assign(booking, updated);
        status.replaceChildren(statusPill(booking.status));
        item.classList.add("is-cancelled");
        actions.replaceChildren();
        alertBox.replaceChildren(notice("success", h("p", {}, "Booking cancelled. The seats are back on sale and your refund is on its way.")));
        item.querySelector(".booking-title a")?.focus();
      } catch (error) {
        if (error.code === "unauthorized") {
          requireLogin("Your session has ended. Log in again to cancel.");
          return;
        }
        const message =
          error.code === "not_cancellable"
            ? `This booking can't be cancelled: ${error.message}`
            : `We couldn't cancel this booking: ${error.message}`;
        if (error.code === "not_cancellable") {
          booking.status = booking.status === "confirmed" && /cancelled/i.test(error.message) ? "cancelled" : booking.status;
          status.replaceChildren(statusPill(booking.status));
          actions.replaceChildren();
        } else {
          showCancel();
        }
        alertBox.replaceChildren(notice("error", h("p", {}, message)));
      }
    });
    no.focus();
  }

  showCancel();
  return item;
}
