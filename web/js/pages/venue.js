// A venue: where it is, its upcoming events (from search, `venue_id=`), and a follow button for
// alerts when it announces new ones.

import { api } from "../api.js";
import { append, h, icon, notice } from "../dom.js";
import { plural } from "../format.js";
import { followControl } from "../follow.js";
import { currentPath, takeFlash } from "../router.js";
import { backLink, loading, pageError } from "../ui.js";
import { eventCard } from "./search.js";

export async function venuePage(ctx) {
  const venueId = ctx.params.id;
  document.title = "Venue · Onsale";
  const flash = takeFlash();
  ctx.main.append(loading("Loading venue…"));
  let events = [];
  let cursor = null;
  try {
    const page = await api("GET", "/events/search", { query: { venue_id: venueId, limit: 24 } });
    events = page?.events || [];
    cursor = page?.next_cursor || null;
  } catch (error) {
    if (!ctx.isCurrent()) return;
    ctx.main.replaceChildren(
      pageError("We couldn't load this venue", error.message, h("a", { class: "button button-secondary", href: `#${currentPath()}` }, "Try again")),
    );
    return;
  }
  if (!ctx.isCurrent()) return;
  // The venue's details come with its events; a venue with none upcoming is still followable.
  let venue = events[0]?.venue || null;
  if (venue) {
    try {
      const full = await api("GET", `/events/${encodeURIComponent(events[0].event_id)}`);
      venue = { ...venue, ...(full?.venue || {}) };
    } catch {
      // The summary's name and city are enough.
    }
  }
  if (!ctx.isCurrent()) return;
  venue = { venue_id: venueId, ...(venue || {}) };
  const name = venue.name || "This venue";
  document.title = `${name} · Onsale`;

  const list = h("ul", { class: "event-grid", "aria-labelledby": "venue-events-title" }, events.map(eventCard));
  const more = h("button", { type: "button", class: "button button-secondary", hidden: !cursor }, "Load more events");
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api("GET", "/events/search", { query: { venue_id: venueId, limit: 24, cursor } });
      list.append(...(page?.events || []).map(eventCard));
      cursor = page?.next_cursor || null;
      more.hidden = !cursor;
    } catch {
      // Leave the button for another try.
    }
    more.disabled = false;
  });
  const place = [venue.address, venue.city && !(venue.address || "").includes(venue.city) ? venue.city : ""].filter(Boolean).join(", ");
  ctx.main.replaceChildren();
  append(ctx.main, [
    backLink("#/", "All events"),
    h(
      "header",
      { class: "page-head venue-head" },
      h("p", { class: "eyebrow" }, "Venue"),
      h("h1", {}, name),
      place ? h("p", { class: "lead venue-place" }, icon("pin", { size: 18 }), " ", place) : null,
      followControl(venue),
    ),
    flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
    h(
      "section",
      { class: "results", "aria-labelledby": "venue-events-title" },
      h("div", { class: "results-head" },
        h("h2", { id: "venue-events-title", class: "results-heading" }, "Upcoming events"),
        h("p", { class: "results-summary muted" }, events.length ? (cursor ? `${events.length}+ events` : plural(events.length, "event")) : ""),
      ),
      events.length
        ? list
        : h("div", { class: "empty-results" },
            h("p", { class: "empty-title" }, "Nothing announced yet"),
            h("p", { class: "muted" }, "Follow this venue and we'll e-mail you when it announces an event."),
          ),
      h("div", { class: "load-more" }, more),
    ),
  ]);
}
