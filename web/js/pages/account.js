// The customer's account: profile, bookings, followed venues, waitlist entries, e-mail
// preferences, a copy of everything stored about them, and erasing the account.

import { api, ApiError, cachedEvent } from "../api.js";
import { announce, append, h, icon, notice } from "../dom.js";
import { dateTime, shortDate, venueZone } from "../format.js";
import { followedVenues, forgetFollowed, unfollow } from "../follow.js";
import { navigate, setFlash, takeFlash } from "../router.js";
import { session } from "../session.js";
import { ensureSignedIn, loading, requireLogin } from "../ui.js";
import { entrySentence, leaveWaitlist, myWaitlist, offerLink } from "../waitlist.js";

export async function accountPage(ctx) {
  if (!ensureSignedIn(ctx, "Log in to see your account.")) return;
  document.title = "Your account · Onsale";
  const flash = takeFlash();
  const email = session.current()?.email || "";
  const profile = h("dl", { class: "profile-facts" }, h("div", {}, h("dt", {}, "E-mail"), h("dd", { class: "account-profile-email" }, email)));
  const venues = h("div", { class: "account-venues" }, loading("Loading the venues you follow…"));
  const waitlist = h("div", { class: "account-waitlist" }, loading("Loading your waitlist entries…"));
  const preferences = h("div", { class: "account-preferences" });
  const dataBox = h("div", { class: "account-data" });
  const deleteBox = h("div", { class: "account-delete" });

  append(ctx.main, [
    h("div", { class: "page-head" }, h("h1", {}, "Your account"), h("p", { class: "lead" }, "Your details, the venues you follow, your waitlists, and your data.")),
    flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
    h(
      "div",
      { class: "account-grid" },
      card("profile-title", "Profile", profile, h("p", {}, h("a", { class: "button button-secondary button-small", href: "#/me/bookings" }, icon("ticket", { size: 16 }), "My bookings"))),
      card("venues-title", "Venues you follow", h("p", { class: "muted" }, "We e-mail you once when a venue you follow announces an event."), venues),
      card("waitlist-title", "Your waitlists", waitlist),
      card("preferences-title", "E-mail preferences", preferences),
      card("data-title", "Your data", dataBox),
      card("delete-title", "Delete your account", deleteBox, { danger: true }),
    ),
  ]);

  const failed = (error) => {
    if (error.code === "unauthorized") {
      requireLogin("Your session has ended. Log in again to see your account.");
      return true;
    }
    return false;
  };

  renderData(dataBox, failed);
  renderDelete(deleteBox, email, failed);
  await Promise.all([
    loadProfile(profile).catch(() => null),
    loadVenues(ctx, venues, failed),
    loadWaitlist(ctx, waitlist, failed),
    loadPreferences(ctx, preferences, failed),
  ]);
}

function card(titleId, title, ...content) {
  const options = content.at(-1) && !(content.at(-1) instanceof Node) ? content.pop() : {};
  return h(
    "section",
    { class: `card account-card${options.danger ? " is-danger" : ""}`, "aria-labelledby": titleId },
    h("h2", { id: titleId }, title),
    ...content,
  );
}

/** The name on the account, when the API has a profile route (`GET /me`). */
async function loadProfile(profile) {
  let me;
  try {
    me = await api("GET", "/me", { auth: true, fresh: true });
  } catch {
    return;
  }
  const rows = [];
  if (me?.name) rows.push(h("div", {}, h("dt", {}, "Name"), h("dd", {}, me.name)));
  if (me?.created_at) rows.push(h("div", {}, h("dt", {}, "Member since"), h("dd", {}, shortDate(me.created_at))));
  profile.prepend(...rows.slice(0, 1));
  profile.append(...rows.slice(1));
}

// --- followed venues ----------------------------------------------------------------------

const venueNames = new Map();

/** A venue's name and city for a subscription that carries only its id (from one search hit). */
async function venueFor(subscription) {
  const inline = subscription.venue || (subscription.venue_name ? { name: subscription.venue_name, city: subscription.city } : null);
  if (inline?.name) return inline;
  const id = subscription.venue_id;
  if (!venueNames.has(id)) {
    venueNames.set(
      id,
      api("GET", "/events/search", { query: { venue_id: id, limit: 1 } })
        .then((page) => page?.events?.[0]?.venue || null)
        .catch(() => null),
    );
  }
  return (await venueNames.get(id)) || { name: null };
}

async function loadVenues(ctx, box, failed) {
  let subscriptions;
  try {
    subscriptions = [...(await followedVenues({ fresh: true })).values()];
  } catch (error) {
    if (!ctx.isCurrent() || failed(error)) return;
    box.replaceChildren(notice("error", h("p", {}, `We couldn't load the venues you follow: ${error.message}`)));
    return;
  }
  const venues = await Promise.all(subscriptions.map(venueFor));
  if (!ctx.isCurrent()) return;
  if (!subscriptions.length) {
    box.replaceChildren(h("p", { class: "empty-note" }, "You don't follow any venues yet. Use “Follow” on a venue or event page."));
    return;
  }
  const list = h("ul", { class: "account-list", "aria-label": "Venues you follow" });
  subscriptions.forEach((subscription, i) => {
    const venue = venues[i] || {};
    const name = venue.name || "A venue";
    const unfollowButton = h("button", { type: "button", class: "button button-ghost button-small" }, "Unfollow", h("span", { class: "visually-hidden" }, ` ${name}`));
    const item = h(
      "li",
      { class: "account-item", dataset: { venueId: subscription.venue_id } },
      h("div", { class: "account-item-text" },
        h("a", { class: "account-item-title", href: `#/venues/${encodeURIComponent(subscription.venue_id)}` }, name),
        h("span", { class: "muted" }, [venue.city, subscription.created_at ? `following since ${shortDate(subscription.created_at)}` : ""].filter(Boolean).join(" · ")),
      ),
      unfollowButton,
    );
    unfollowButton.addEventListener("click", async () => {
      unfollowButton.disabled = true;
      try {
        await unfollow(subscription.venue_id);
        item.remove();
        announce(`You no longer follow ${name}.`);
        if (!list.children.length) box.replaceChildren(h("p", { class: "empty-note" }, "You don't follow any venues now."));
        box.querySelector(".account-list button")?.focus();
      } catch (error) {
        if (failed(error)) return;
        unfollowButton.disabled = false;
        item.append(notice("error", h("p", {}, `We couldn't unfollow ${name}: ${error.message}`)));
      }
    });
    list.append(item);
  });
  box.replaceChildren(list);
}

// --- waitlist ---------------------------------------------------------------------------

async function loadWaitlist(ctx, box, failed) {
  let entries;
  try {
    entries = await myWaitlist();
  } catch (error) {
    if (!ctx.isCurrent() || failed(error)) return;
    box.replaceChildren(notice("error", h("p", {}, `We couldn't load your waitlist entries: ${error.message}`)));
    return;
  }
  entries = entries.filter((e) => e && e.status !== "cancelled");
  const events = await Promise.all(entries.map((e) => cachedEvent(e.event_id).catch(() => null)));
  if (!ctx.isCurrent()) return;
  if (!entries.length) {
    box.replaceChildren(h("p", { class: "empty-note" }, "You're not on any waitlists. When an event sells out, you can join its waitlist from its page."));
    return;
  }
  const list = h("ul", { class: "account-list", "aria-label": "Waitlist entries" });
  entries.forEach((entry, i) => {
    const event = events[i];
    const title = event?.name || "Event";
    const link = offerLink(entry);
    const active = ["waiting", "offered"].includes(entry.status || "waiting");
    const leave = active ? h("button", { type: "button", class: "button button-ghost button-small" }, "Leave", h("span", { class: "visually-hidden" }, ` the waitlist for ${title}`)) : null;
    const item = h(
      "li",
      { class: "account-item", dataset: { waitlistId: entry.waitlist_id } },
      h("div", { class: "account-item-text" },
        h("a", { class: "account-item-title", href: `#/events/${encodeURIComponent(entry.event_id)}` }, title),
        event ? h("span", { class: "muted" }, [dateTime(event.start_at, venueZone(event)), event.venue?.name].filter(Boolean).join(" · ")) : null,
        h("span", { class: "waitlist-entry" }, entrySentence(entry)),
        link ? h("a", { class: "button button-primary button-small", href: link }, "Go to checkout") : null,
      ),
      leave,
    );
    leave?.addEventListener("click", async () => {
      leave.disabled = true;
      try {
        await leaveWaitlist(entry.waitlist_id);
        item.remove();
        announce(`You left the waitlist for ${title}.`);
        if (!list.children.length) box.replaceChildren(h("p", { class: "empty-note" }, "You're not on any waitlists now."));
      } catch (error) {
        if (failed(error)) return;
        leave.disabled = false;
        item.append(notice("error", h("p", {}, `We couldn't take you off this waitlist: ${error.message}`)));
      }
    });
    list.append(item);
  });
  box.replaceChildren(list);
}

// --- marketing consent --------------------------------------------------------------------

async function loadPreferences(ctx, box, failed) {
  let preferences;
  try {
    preferences = await api("GET", "/me/preferences", { auth: true, fresh: true });
  } catch (error) {
    if (!ctx.isCurrent() || failed(error)) return;
    box.closest("section")?.remove();
    return;
  }
  if (!ctx.isCurrent()) return;
  const checkbox = h("input", { type: "checkbox", id: "marketing-consent", checked: Boolean(preferences?.marketing_consent) });
  const status = h("p", { class: "fine-print muted", role: "status" });
  checkbox.addEventListener("change", async () => {
    const wanted = checkbox.checked;
    checkbox.disabled = true;
    status.textContent = "Saving…";
    try {
      const saved = await api("PUT", "/me/preferences", { auth: true, body: { marketing_consent: wanted } });
      checkbox.checked = saved && "marketing_consent" in saved ? Boolean(saved.marketing_consent) : wanted;
      status.textContent = checkbox.checked ? "Saved: we may e-mail you suggestions." : "Saved: no suggestions by e-mail.";
    } catch (error) {
      if (failed(error)) return;
      checkbox.checked = !wanted;
      status.textContent = `We couldn't save this: ${error.message}`;
    } finally {
      checkbox.disabled = false;
    }
  });
  box.replaceChildren(
    h("div", { class: "check-field" }, checkbox, h("label", { for: "marketing-consent" }, "E-mail me recommendations and news about venues I follow")),
    h("p", { class: "hint" }, "Booking confirmations, reminders and waitlist offers are always sent. Every marketing e-mail has a one-click unsubscribe link."),
    status,
  );
}

// --- export -------------------------------------------------------------------------------

/** Offer `data` as a JSON file download named `filename`. */
export function saveJson(data, filename) {
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function renderData(box, failed) {
  const status = h("p", { class: "fine-print muted", role: "status" });
  const button = h("button", { type: "button", class: "button button-secondary" }, icon("download", { size: 16 }), "Download my data");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Preparing your data…";
    try {
      const data = await api("GET", "/me/export", { auth: true, fresh: true });
      saveJson(data, `onsale-my-data-${new Date().toISOString().slice(0, 10)}.json`);
      status.textContent = "Your data was downloaded as a JSON file.";
    } catch (error) {
      if (failed(error)) return;
      status.textContent = "";
      box.querySelector(".notice")?.remove();
      box.append(notice("error", h("p", {}, `We couldn't prepare your data: ${error.message}`)));
    } finally {
      button.disabled = false;
    }
  });
  box.replaceChildren(
    h("p", {}, "A copy of everything Onsale stores about you — profile, bookings, holds, followed venues, waitlists, queue places and the e-mails we sent — as one JSON file."),
    h("p", {}, button),
    status,
  );
}

// --- erasure ------------------------------------------------------------------------------

function renderDelete(box, email, failed) {
  const start = h("button", { type: "button", class: "button button-danger-ghost" }, "Delete my account…");
  box.replaceChildren(
    h("p", {}, "This erases your name, e-mail address and everything else that identifies you, and stops every e-mail from us. Bookings are kept for our financial records, without your identity. You can't undo this."),
    h("p", {}, start),
  );
  start.addEventListener("click", () => {
    const input = h("input", { id: "delete-confirm", name: "delete-confirm", type: "email", autocomplete: "off", spellcheck: "false", "aria-describedby": "delete-confirm-hint" });
    const confirm = h("button", { type: "submit", class: "button button-danger", disabled: true }, "Delete my account");
    const cancel = h("button", { type: "button", class: "button button-ghost" }, "Keep my account");
    const alertBox = h("div");
    const form = h(
      "form",
      { class: "confirm-box delete-form", "aria-labelledby": "delete-title" },
      h("div", { class: "field" },
        h("label", { for: "delete-confirm" }, "Type your e-mail address to confirm"),
        h("p", { class: "hint", id: "delete-confirm-hint" }, `This is ${email}.`),
        input,
      ),
      alertBox,
      h("div", { class: "confirm-buttons" }, cancel, confirm),
    );
    const matches = () => input.value.trim().toLowerCase() === email.toLowerCase();
    input.addEventListener("input", () => {
      confirm.disabled = !matches();
    });
    cancel.addEventListener("click", () => {
      renderDelete(box, email, failed);
      box.querySelector("button")?.focus();
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!matches()) return;
      confirm.disabled = true;
      cancel.disabled = true;
      confirm.textContent = "Deleting…";
      try {
        await api("DELETE", "/me", { auth: true });
      } catch (error) {
        if (!(error instanceof ApiError) || failed(error)) return;
        confirm.disabled = false;
        cancel.disabled = false;
        confirm.textContent = "Delete my account";
        alertBox.replaceChildren(notice("error", h("p", {}, `We couldn't delete your account: ${error.message}`)));
        return;
      }
      forgetFollowed();
      for (const key of ["onsale.queue", "onsale.admissions", "onsale.holds", "onsale.bookings", "onsale.seats"]) sessionStorage.removeItem(key);
      session.signOut();
      const message = "Your account was deleted and you're logged out. We've erased your personal data and won't e-mail you again.";
      setFlash("success", message);
      announce(message);
      navigate("/");
    });
    box.replaceChildren(form);
    input.focus();
  });
}
