// One booking: the confirmation page after payment, and the details page from My bookings.

import { api, cachedEvent } from "../api.js";
import { h, icon } from "../dom.js";
import { dateTime, money, plural, shortDate, venueZone } from "../format.js";
import { describeSeats, ensureSeatLabels } from "../seats.js";
import { ensureSignedIn, loading, pageError, requireLogin, statusPill } from "../ui.js";

const recent = new Map();

/** Keep a fresh booking so its confirmation renders at once. */
export function rememberBooking(booking) {
  recent.set(booking.booking_id, booking);
}

export async function bookingPage(ctx) {
  if (!ensureSignedIn(ctx, "Log in to see your booking.")) return;
  const bookingId = ctx.params.id;
  const confirmed = ctx.query.get("confirmed") === "1";
  document.title = confirmed ? "Booking confirmed · Onsale" : "Booking · Onsale";
  ctx.main.append(loading("Loading your booking…"));
  let booking = recent.get(bookingId);
  if (!booking) {
    try {
      booking = await api("GET", `/bookings/${encodeURIComponent(bookingId)}`, { auth: true });
    } catch (error) {
      if (!ctx.isCurrent()) return;
      if (error.code === "unauthorized") {
        requireLogin("Your session has ended. Log in again to see your booking.");
        return;
      }
      ctx.main.replaceChildren(
        error.status === 404
          ? pageError("Booking not found", "We couldn't find this booking in your account.", h("a", { class: "button button-primary", href: "#/me/bookings" }, "My bookings"))
          : pageError("We couldn't load this booking", error.message),
      );
      return;
    }
  }
  recent.delete(bookingId);
  let event = null;
  try {
    event = await cachedEvent(booking.event_id);
    await ensureSeatLabels(event, booking.seat_ids || []);
  } catch {
    event = event || null;
  }
  if (!ctx.isCurrent()) return;
  const cancelled = booking.status === "cancelled";
  const seats = booking.seat_ids || [];
  ctx.main.replaceChildren(
    h(
      "section",
      { class: `confirmation card${cancelled ? " is-cancelled" : ""}`, "aria-labelledby": "booking-title" },
      h("div", { class: "confirmation-head" },
        h("span", { class: "confirmation-icon", "aria-hidden": "true" }, icon(cancelled ? "x" : "check", { size: 28 })),
        h("div", {},
          h("h1", { id: "booking-title" }, cancelled ? "Booking cancelled" : confirmed ? "You're going!" : "Your booking"),
          h("p", { class: "lead" }, cancelled ? "This booking was cancelled and its seats went back on sale." : `Your booking is confirmed. ${plural(seats.length, "seat")} ${seats.length === 1 ? "is" : "are"} yours.`),
        ),
      ),
      event
        ? h("div", { class: "confirmation-event" },
            h("p", { class: "confirmation-event-name" }, h("a", { href: `#/events/${encodeURIComponent(booking.event_id)}` }, event.name)),
            h("p", { class: "muted" }, [dateTime(event.start_at, venueZone(event)), event.venue?.name, event.venue?.city].filter(Boolean).join(" · ")),
          )
        : null,
      h(
        "dl",
        { class: "booking-facts" },
        h("div", {}, h("dt", {}, "Booking reference"), h("dd", { class: "mono", "data-booking-id": booking.booking_id }, booking.booking_id)),
        h("div", {}, h("dt", {}, "Status"), h("dd", {}, statusPill(booking.status))),
        h("div", {}, h("dt", {}, "Seats"), h("dd", {}, h("ul", { class: "seat-lines" }, describeSeats(seats).map((line) => h("li", {}, icon("ticket", { size: 16 }), line))))),
        h("div", {}, h("dt", {}, "Total paid"), h("dd", { class: "confirmation-total" }, money(booking.total))),
        h("div", {}, h("dt", {}, "Booked on"), h("dd", {}, shortDate(booking.created_at))),
      ),
      h("p", { class: "actions" },
        h("a", { class: "button button-primary", href: "#/me/bookings" }, "View my bookings"),
        h("a", { class: "button button-secondary", href: "#/" }, "Find more events"),
      ),
    ),
  );
}
