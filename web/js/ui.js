// Building blocks shared by the pages: loading and error states, the sign-in redirect.

import { h, icon, notice } from "./dom.js";
import { currentPath, navigate, setFlash } from "./router.js";
import { session } from "./session.js";

export function loading(message = "Loading…") {
  return h(
    "div",
    { class: "loading", role: "status" },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    h("span", {}, message),
  );
}

export function pageError(title, message, ...actions) {
  return h(
    "section",
    { class: "empty-state" },
    h("div", { class: "empty-icon", "aria-hidden": "true" }, icon("alert", { size: 28 })),
    h("h1", {}, title),
    h("p", {}, message),
    actions.length ? h("p", { class: "actions" }, ...actions) : null,
  );
}

/** Send the customer to log in, then back to `next` (default: where they are). */
export function requireLogin(message = "Log in to continue.", next = currentPath()) {
  session.signOut();
  setFlash("info", message);
  navigate(`/login?next=${encodeURIComponent(next)}`);
}

/** Guard for pages that need a signed-in customer; returns false after redirecting. */
export function ensureSignedIn(ctx, message) {
  if (session.signedIn()) return true;
  setFlash("info", message);
  navigate(`/login?next=${encodeURIComponent(currentPath())}`, { replace: true });
  return false;
}

export function errorNotice(message) {
  return notice("error", h("p", {}, message));
}

export function backLink(hrefValue, label) {
  return h("a", { class: "back-link", href: hrefValue }, icon("arrowLeft", { size: 16 }), label);
}

export function statusPill(status) {
  const labels = {
    on_sale: "On sale",
    scheduled: "Coming soon",
    sold_out: "Sold out",
    ended: "Ended",
    provisioning: "Getting ready",
    confirmed: "Confirmed",
    cancelled: "Cancelled",
  };
  return h("span", { class: `pill pill-${status}` }, labels[status] || status);
}
