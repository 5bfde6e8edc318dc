// Following venues: one list of the customer's subscriptions per page view, and the follow
// button shown on event and venue pages (venue alerts: one e-mail when the venue announces an event).

import { api } from "./api.js";
import { announce, h, icon, notice } from "./dom.js";
import { currentPath, navigate, setFlash } from "./router.js";
import { session } from "./session.js";
import { requireLogin } from "./ui.js";

let cached = null;

/** Subscriptions from any of the shapes a list can take ({subscriptions}, {venues}, {items}, [..]). */
export function subscriptionList(answer) {
  if (Array.isArray(answer)) return answer;
  for (const key of ["subscriptions", "venues", "items"]) {
    if (Array.isArray(answer?.[key])) return answer[key];
  }
  return [];
}

/** The venues this customer follows: Map venue_id → subscription. Empty when signed out. */
export function followedVenues({ fresh = false } = {}) {
  const token = session.token();
  if (!token) return Promise.resolve(new Map());
  if (!fresh && cached && cached.token === token) return cached.promise;
  const promise = api("GET", "/me/subscriptions", { auth: true, fresh: true }).then(
    (answer) => new Map(subscriptionList(answer).filter((s) => s && s.venue_id).map((s) => [s.venue_id, s])),
  );
  cached = { token, promise };
  promise.catch(() => {
    if (cached?.promise === promise) cached = null;
  });
  return promise;
}

export function forgetFollowed() {
  cached = null;
}

export async function follow(venueId) {
  const answer = await api("POST", `/venues/${encodeURIComponent(venueId)}/subscriptions`, { auth: true, body: {} });
  forgetFollowed();
  return answer;
}

export async function unfollow(venueId) {
  try {
    await api("DELETE", `/venues/${encodeURIComponent(venueId)}/subscriptions`, { auth: true });
  } catch (error) {
    // Not following already is what was asked for.
    if (error.status !== 404) throw error;
  }
  forgetFollowed();
}

/**
 * A "Follow" / "Unfollow" button for a venue, with a line saying what following means.
 * The venue's name is part of each button's accessible name ("Follow Dodger Stadium").
 */
export function followControl(venue) {
  const name = venue.name || "this venue";
  const box = h("div", { class: "follow", dataset: { venueId: venue.venue_id } });
  const state = { following: false, busy: false };
  const line = h("p", { class: "follow-note muted" });
  const alertBox = h("div", { class: "follow-alert" });
  const button = h("button", { type: "button", class: "button button-secondary button-small follow-button" });

  function paint() {
    button.replaceChildren(
      icon(state.following ? "check" : "plus", { size: 16 }),
      state.following ? "Unfollow" : "Follow",
      h("span", { class: "visually-hidden" }, ` ${name}`),
    );
    button.classList.toggle("is-following", state.following);
    button.disabled = state.busy;
    line.textContent = state.following
      ? `You follow ${name}: we'll e-mail you when it announces an event.`
      : `Follow ${name} to hear about its new events by e-mail.`;
  }

  button.addEventListener("click", async () => {
    if (state.busy) return;
    if (!session.signedIn()) {
      setFlash("info", `Log in to follow ${name}.`);
      navigate(`/login?next=${encodeURIComponent(currentPath())}`);
      return;
    }
    state.busy = true;
    alertBox.replaceChildren();
    paint();
    try {
      if (state.following) await unfollow(venue.venue_id);
      else await follow(venue.venue_id);
      state.following = !state.following;
      announce(state.following ? `You now follow ${name}.` : `You no longer follow ${name}.`);
    } catch (error) {
      if (error.code === "unauthorized") {
        requireLogin(`Your session has ended. Log in again to follow ${name}.`);
        return;
      }
      alertBox.replaceChildren(notice("error", h("p", {}, `We couldn't update this: ${error.message}`)));
    } finally {
      state.busy = false;
      paint();
    }
  });

  paint();
  box.append(h("div", { class: "follow-row" }, button, line), alertBox);
  followedVenues()
    .then((followed) => {
      if (state.busy) return;
      state.following = followed.has(venue.venue_id);
      paint();
    })
    .catch(() => {
      // Unknown: the button offers "Follow", and following twice is harmless.
    });
  return box;
}
