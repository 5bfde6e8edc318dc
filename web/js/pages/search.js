// Search: results as you type (debounced), filters, and "load more" through next_cursor.
//
// From and To are days on the venue's clock, the day each card shows (decision 26), but the API
// filters whole UTC days of start_at (decision 22): a Chicago show at 7:30 PM on Jan 31 starts on
// Feb 1 in UTC. So the API is asked for a day more on each side (no zone is more than 14 hours
// from UTC, so that covers every venue's day), and only the events whose card date lies within
// From..To are kept. The address and the form keep the customer's own days.

import { api } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import {
  CATEGORIES,
  addDays,
  categoryLabel,
  count,
  dateParts,
  dateTime,
  localDay,
  money,
  plural,
  venueZone,
} from "../format.js";
import { replaceQuery, takeFlash } from "../router.js";

const DEBOUNCE_MS = 250;
const PAGE_SIZE = 12;
// Pages one search or "Load more" may read when the days filter keeps nothing of them, before
// saying so (and still offering more when the API has it).
const MAX_PAGES = 5;
const FIELDS = ["q", "city", "category", "start_date", "end_date"];

export function searchPage(ctx) {
  document.title = "Find events · Onsale";
  const state = Object.fromEntries(FIELDS.map((name) => [name, ctx.query.get(name) || ""]));

  const q = h("input", {
    id: "search-q",
    type: "search",
    name: "q",
    value: state.q,
    placeholder: "Artist, team, show or venue",
    maxlength: "200", // the API's limit: a longer query could only be refused
    autocomplete: "off",
    spellcheck: "false",
    enterkeyhint: "search",
    "aria-describedby": "search-hint",
  });
  const city = h("input", {
    id: "filter-city",
    name: "city",
    value: state.city,
    maxlength: "200", // as for the query
    autocomplete: "address-level2",
  });
  const category = h(
    "select",
    { id: "filter-category", name: "category" },
    h("option", { value: "" }, "All categories"),
    CATEGORIES.map((c) => h("option", { value: c.value, selected: state.category === c.value }, c.label)),
  );
  const startDate = h("input", { id: "filter-start", name: "start_date", type: "date", value: state.start_date });
  const endDate = h("input", { id: "filter-end", name: "end_date", type: "date", value: state.end_date });
  const clear = h("button", { type: "button", class: "button button-ghost button-small" }, "Clear filters");

  const heading = h("h2", { id: "results-heading", class: "results-heading" }, "Upcoming events");
  const summary = h("p", { class: "results-summary muted" });
  const alertBox = h("div");
  const list = h("ul", { class: "event-grid", "aria-labelledby": "results-heading" });
  const more = h("button", { type: "button", class: "button button-secondary", hidden: true }, "Load more events");
  const flash = takeFlash();

  append(ctx.main, [
    h(
      "section",
      { class: "hero", "aria-labelledby": "search-title" },
      h("h1", { id: "search-title" }, "Find your next night out"),
      h(
        "p",
        { class: "lead", id: "search-hint" },
        "Concerts, sports, theatre and comedy. Search by artist, team, show or venue — typos are fine.",
      ),
      flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
      h(
        "form",
        { role: "search", class: "search-form", onsubmit: (e) => e.preventDefault() },
        h(
          "div",
          { class: "search-box" },
          h("label", { for: "search-q", class: "visually-hidden" }, "Search events"),
          icon("search", { size: 20 }),
          q,
        ),
        h(
          "fieldset",
          { class: "filters" },
          h("legend", { class: "visually-hidden" }, "Filters"),
          h("div", { class: "field" }, h("label", { for: "filter-city" }, "City"), city),
          h("div", { class: "field" }, h("label", { for: "filter-category" }, "Category"), category),
          h("div", { class: "field" }, h("label", { for: "filter-start" }, "From"), startDate),
          h("div", { class: "field" }, h("label", { for: "filter-end" }, "To"), endDate),
          h("div", { class: "field field-action" }, clear),
        ),
      ),
    ),
    h(
      "section",
      { class: "results", "aria-labelledby": "results-heading" },
      h("div", { class: "results-head" }, heading, summary),
      alertBox,
      list,
      h("div", { class: "load-more" }, more),
    ),
  ]);

  let timer = 0;
  let controller = null;
  let cursor = null;
  let shown = 0;

  function params() {
    return {
      q: q.value.trim(),
      city: city.value.trim(),
      category: category.value,
      start_date: startDate.value,
      end_date: endDate.value,
    };
  }

  async function run({ append = false } = {}) {
    const query = params();
    replaceQuery("/", query);
    if (query.start_date && query.end_date && query.start_date > query.end_date) {
      alertBox.replaceChildren(notice("error", h("p", {}, "The “From” date must be on or before the “To” date.")));
      controller?.abort(); // no answer to an earlier search may land under this message
      list.replaceChildren();
      summary.textContent = "";
      more.hidden = true;
      heading.textContent = "Matching events";
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    list.setAttribute("aria-busy", "true");
    more.disabled = true;
    try {
      // The cursor belongs to the widened query, which the same form always gives again.
      const wider = widened(query);
      let next = append ? cursor : undefined;
      let events = [];
      for (let pages = 0; !events.length && pages < MAX_PAGES && next !== null; pages += 1) {
        const page = await api("GET", "/events/search", {
          query: { ...wider, limit: PAGE_SIZE, cursor: next },
          signal,
        });
        if (!ctx.isCurrent() || signal.aborted) return;
        const found = Array.isArray(page?.events) ? page.events : [];
        events = found.filter((event) => onChosenDays(event, query));
        next = page?.next_cursor || null;
      }
      alertBox.replaceChildren();
      cursor = next || null;
      if (!append || !shown) {
        list.replaceChildren(); // (appending to none shown: out goes the "No events match so far")
        shown = 0;
      }
      list.append(...events.map(eventCard));
      shown += events.length;
      const filtered = Object.entries(query).some(([name, value]) => name !== "q" && value);
      heading.textContent = query.q ? `Results for “${query.q}”` : filtered ? "Matching events" : "Upcoming events";
      if (!shown) {
        // With a cursor left, every page read fell outside the chosen days (MAX_PAGES): say only
        // that much, and leave "Load more" to look further.
        list.replaceChildren(
          h(
            "li",
            { class: "empty-results" },
            h("p", { class: "empty-title" }, cursor ? "No events match so far" : "No events match"),
            h(
              "p",
              { class: "muted" },
              cursor ? "Load more events to look further." : "Try another spelling, a shorter search or fewer filters.",
            ),
          ),
        );
      }
      summary.textContent = shown ? `Showing ${plural(shown, "event")}` : "";
      more.hidden = !cursor;
      if (append && events.length) {
        announce(`${plural(events.length, "more event")} loaded.`);
        // Keep keyboard users where they were: on the first newly loaded card.
        const firstNew = list.children[shown - events.length]?.querySelector("a");
        firstNew?.focus();
      } else if (append) {
        // Nothing on the chosen days in the pages read: focus stays on "Load more" while there
        // is more (a disabled button takes no focus), else moves to the last card.
        announce(cursor ? "No more events found yet, more available." : "No more events found.");
        more.disabled = false;
        (cursor ? more : list.lastElementChild?.querySelector("a"))?.focus();
      } else if (shown) {
        announce(`${plural(shown, "event")} found${cursor ? ", more available" : ""}.`);
      } else {
        announce(cursor ? "No events match so far, more available." : "No events match.");
      }
    } catch (error) {
      if (error?.name === "AbortError" || !ctx.isCurrent()) return;
      // A refused search (400) would be refused again: say what to change, offer no retry.
      const refused = error.status === 400;
      const retry = refused ? null : h("button", { type: "button", class: "button button-secondary button-small" }, "Try again");
      retry?.addEventListener("click", () => run({ append }));
      const message = refused
        ? `This search can't be run: ${error.message}. Change it and try again.`
        : error.status === 0
          ? error.message
          : "Search isn't available right now. Please try again in a moment.";
      alertBox.replaceChildren(notice("error", h("p", {}, message), retry));
      if (refused) heading.textContent = query.q ? `Results for “${query.q}”` : "Matching events";
      if (!append) {
        list.replaceChildren();
        summary.textContent = "";
        more.hidden = true;
      }
    } finally {
      if (!signal.aborted) {
        list.removeAttribute("aria-busy");
        more.disabled = false;
      }
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => run(), DEBOUNCE_MS);
  }

  q.addEventListener("input", schedule);
  city.addEventListener("input", schedule);
  q.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      clearTimeout(timer);
      run();
    }
  });
  for (const input of [category, startDate, endDate]) input.addEventListener("change", () => run());
  more.addEventListener("click", () => run({ append: true }));
  clear.addEventListener("click", () => {
    city.value = "";
    category.value = "";
    startDate.value = "";
    endDate.value = "";
    run();
    q.focus();
  });
  ctx.onLeave(() => {
    clearTimeout(timer);
    controller?.abort();
  });
  return run();
}

/** The API's query for the form's: a day more on each side of From and To (see the top). */
function widened(query) {
  return {
    ...query,
    start_date: query.start_date ? addDays(query.start_date, -1) : "",
    end_date: query.end_date ? addDays(query.end_date, 1) : "",
  };
}

/** Whether `event` is on From..To (inclusive) by the day its card shows: the venue's clock, or the
 * viewer's when the venue names no zone (`venueZone`, as `eventCard`). */
function onChosenDays(event, { start_date: from, end_date: to }) {
  if (!from && !to) return true;
  const day = localDay(event?.start_at, venueZone(event));
  return Boolean(day) && (!from || day >= from) && (!to || day <= to);
}

function availability(event) {
  const left = Number(event.available_count ?? 0);
  if (left <= 0) return h("p", { class: "availability availability-none" }, "Sold out");
  if (left < 20) return h("p", { class: "availability availability-low" }, `Only ${count(left)} left`);
  return h("p", { class: "availability availability-ok" }, `${count(left)} seats left`);
}

export function eventCard(event) {
  const zone = venueZone(event); // the show's own clock, wherever the viewer is
  const parts = dateParts(event.start_at, zone);
  const venue = event.venue || {};
  const performers = Array.isArray(event.performers) ? event.performers.filter(Boolean) : [];
  return h(
    "li",
    { class: "event-card" },
    h(
      "div",
      { class: "date-badge", "aria-hidden": "true" },
      h("span", { class: "date-month" }, parts.month),
      h("span", { class: "date-day" }, parts.day),
      h("span", { class: "date-weekday" }, parts.weekday),
    ),
    h(
      "div",
      { class: "event-card-body" },
      h("p", { class: "eyebrow" }, categoryLabel(event.category)),
      h("h3", { class: "event-card-title" }, h("a", { href: `#/events/${encodeURIComponent(event.event_id)}` }, event.name)),
      performers.length ? h("p", { class: "event-card-performers" }, performers.join(", ")) : null,
      h(
        "p",
        { class: "event-card-meta" },
        icon("pin", { size: 16 }),
        h("span", {}, [venue.name, venue.city].filter(Boolean).join(", ")),
      ),
      h(
        "p",
        { class: "event-card-meta" },
        icon("calendar", { size: 16 }),
        h("time", { datetime: event.start_at }, dateTime(event.start_at, zone)),
      ),
    ),
    h(
      "div",
      { class: "event-card-foot" },
      event.min_price
        ? h("p", { class: "price-from" }, h("span", { class: "muted" }, "from "), h("strong", {}, money(event.min_price)))
        : null,
      availability(event),
    ),
  );
}
