// The waitlist of a sold-out event: join with a number of seats, see your place, leave it; and
// an offer (seats held for you when some came back) leads straight to checkout.

import { api } from "./api.js";
import { announce, h, notice } from "./dom.js";
import { count, dateTime, plural, time } from "./format.js";
import { currentPath, navigate, setFlash } from "./router.js";
import { session } from "./session.js";
import { requireLogin } from "./ui.js";

/** Entries from any of the shapes a list can take ({entries}, {waitlist}, {items}, [..]). */
export function waitlistEntries(answer) {
  if (Array.isArray(answer)) return answer;
  for (const key of ["entries", "waitlist", "items"]) {
    if (Array.isArray(answer?.[key])) return answer[key];
  }
  return [];
}

const ACTIVE = new Set(["waiting", "offered"]);

export async function myWaitlist() {
  return waitlistEntries(await api("GET", "/me/waitlist", { auth: true, fresh: true }));
}

export async function leaveWaitlist(waitlistId) {
  try {
    await api("DELETE", `/waitlist/${encodeURIComponent(waitlistId)}`, { auth: true });
  } catch (error) {
    if (error.status !== 404) throw error;
  }
}

/** Epoch seconds or RFC 3339 → a Date (or null). */
function moment(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** What an entry's status means to the customer, in one sentence. */
export function entrySentence(entry) {
  const seats = plural(Number(entry.quantity) || 1, "seat");
  switch (entry.status) {
    case "offered": {
      const until = moment(entry.offer_expires_at);
      const verb = Number(entry.quantity) === 1 ? "is" : "are";
      return `Seats came back: ${seats} ${verb} held for you${until ? ` until ${time(until.toISOString())}` : ""}.`;
    }
    case "converted":
      return `You booked ${seats} from the waitlist.`;
    case "lapsed":
      return "An offer of seats ran out before checkout.";
    case "cancelled":
      return "You left the waitlist.";
    default: {
      const position = Number(entry.position);
      return Number.isFinite(position) && entry.position !== null && entry.position !== undefined
        ? `Waiting for ${seats} — number ${count(position)} in line.`
        : `Waiting for ${seats}.`;
    }
  }
}

export function offerLink(entry) {
  const holdId = entry.offer_hold_id || entry.hold_id;
  return entry.status === "offered" && holdId ? `#/holds/${encodeURIComponent(holdId)}` : null;
}

/** The event page's waitlist card for a sold-out event. */
export function waitlistCard(event, max) {
  const eventId = event.event_id;
  const body = h("div", { class: "waitlist-body" });
  const alertBox = h("div", { class: "order-alert" });
  const card = h(
    "section",
    { class: "card waitlist-card", "aria-labelledby": "waitlist-title" },
    h("h2", { id: "waitlist-title" }, "Join the waitlist"),
    h("p", { class: "muted" }, "Sold out — but seats come back when people cancel or holds lapse. We offer them in the order people joined, hold them for you and e-mail you."),
    alertBox,
    body,
  );

  function showForm() {
    const quantity = h(
      "select",
      { id: "waitlist-quantity", name: "quantity" },
      Array.from({ length: max }, (_, i) => h("option", { value: i + 1, selected: i + 1 === Math.min(2, max) }, String(i + 1))),
    );
    const submit = h("button", { type: "submit", class: "button button-primary button-block" }, "Join the waitlist");
    const form = h(
      "form",
      { class: "waitlist-form" },
      h("div", { class: "field field-quantity" }, h("label", { for: "waitlist-quantity" }, "Seats you need"), quantity),
      submit,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!session.signedIn()) {
        setFlash("info", "Log in to join the waitlist.");
        navigate(`/login?next=${encodeURIComponent(currentPath())}`);
        return;
      }
      submit.disabled = true;
      submit.textContent = "Joining…";
      alertBox.replaceChildren();
      try {
        const entry = await api("POST", `/events/${encodeURIComponent(eventId)}/waitlist`, {
          auth: true,
          body: { quantity: Number(quantity.value) },
        });
        const joined = { status: "waiting", quantity: Number(quantity.value), ...entry };
        showEntry(joined);
        announce(`You're on the waitlist. ${entrySentence(joined)}`);
      } catch (error) {
        if (error.code === "unauthorized") {
          requireLogin("Your session has ended. Log in again to join the waitlist.");
          return;
        }
        submit.disabled = false;
        submit.textContent = "Join the waitlist";
        alertBox.replaceChildren(notice("error", h("p", {}, error.message || "We couldn't add you to the waitlist.")));
      }
    });
    body.replaceChildren(form);
  }

  function showEntry(entry) {
    const link = offerLink(entry);
    const leave = h("button", { type: "button", class: "button button-ghost button-small" }, "Leave the waitlist");
    leave.addEventListener("click", async () => {
      leave.disabled = true;
      try {
        await leaveWaitlist(entry.waitlist_id);
        alertBox.replaceChildren(notice("success", h("p", {}, "You left the waitlist.")));
        announce("You left the waitlist.");
        showForm();
      } catch (error) {
        if (error.code === "unauthorized") {
          requireLogin("Your session has ended. Log in again.");
          return;
        }
        leave.disabled = false;
        alertBox.replaceChildren(notice("error", h("p", {}, `We couldn't take you off the waitlist: ${error.message}`)));
      }
    });
    body.replaceChildren(
      notice(
        entry.status === "offered" ? "success" : "info",
        h("p", { class: "notice-title" }, entry.status === "offered" ? "Seats are waiting for you" : "You're on the waitlist"),
        h("p", { class: "waitlist-entry" }, entrySentence(entry)),
        link ? h("p", {}, h("a", { class: "button button-primary button-small", href: link }, "Go to checkout")) : null,
      ),
      h("p", { class: "actions" }, leave),
      entry.created_at ? h("p", { class: "fine-print muted" }, `Joined ${dateTime(entry.created_at)}.`) : null,
    );
  }

  showForm();
  if (session.signedIn()) {
    myWaitlist()
      .then((entries) => {
        const mine = entries.find((e) => e.event_id === eventId && ACTIVE.has(e.status || "waiting"));
        if (mine) showEntry(mine);
      })
      .catch(() => {
        // The form stays: joining again finds the existing entry.
      });
  }
  return card;
}
