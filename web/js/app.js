// Onsale's customer web app: routes, the header's account area, and the skip link.

import { h, icon } from "./dom.js";
import { accountPage } from "./pages/account.js";
import { bookingPage } from "./pages/booking.js";
import { bookingsPage } from "./pages/bookings.js";
import { eventPage } from "./pages/event.js";
import { holdPage } from "./pages/hold.js";
import { loginPage, signupPage } from "./pages/auth.js";
import { queuePage } from "./pages/queue.js";
import { searchPage } from "./pages/search.js";
import { venuePage } from "./pages/venue.js";
import { currentPath, navigate, parseHash, route, setFlash, start } from "./router.js";
import { session } from "./session.js";
import { announce } from "./dom.js";

route("/", searchPage);
route("/events/:id", eventPage);
route("/events/:id/queue", queuePage);
route("/venues/:id", venuePage);
route("/account", accountPage);
route("/holds/:id", holdPage);
route("/bookings/:id", bookingPage);
route("/me/bookings", bookingsPage);
route("/login", loginPage);
route("/signup", signupPage);

function renderAccount() {
  const area = document.getElementById("account");
  const current = session.current();
  if (current) {
    area.replaceChildren(
      h(
        "a",
        { class: "account-email", href: "#/account", title: `Your account (${current.email})`, dataset: { nav: "account" } },
        icon("user", { size: 16 }),
        h("span", { class: "account-email-text" }, current.email),
      ),
      h(
        "button",
        {
          type: "button",
          class: "button button-ghost button-small",
          onclick: () => {
            session.signOut();
            setFlash("success", "You're logged out.");
            announce("You're logged out.");
            navigate("/");
          },
        },
        "Log out",
      ),
    );
  } else {
    area.replaceChildren(
      h("a", { class: "button button-ghost button-small", href: "#/login", dataset: { auth: "login" } }, "Log in"),
      h("a", { class: "button button-primary button-small", href: "#/signup", dataset: { auth: "signup" } }, "Sign up"),
    );
  }
  markCurrentNav(parseHash().path);
  pointAuthLinksHere();
}

// The header's "Log in" / "Sign up" bring the customer back to where they were (on the login
// and sign-up pages themselves: to where those were going to bring them), seats kept and all.
function pointAuthLinksHere() {
  const { path, query } = parseHash();
  const next = path === "/login" || path === "/signup" ? query.get("next") || "/" : currentPath();
  for (const link of document.querySelectorAll("[data-auth]")) {
    link.href = `#/${link.dataset.auth}${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`;
  }
}

function markCurrentNav(path) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    const active =
      (link.dataset.nav === "search" && (path === "/" || path.startsWith("/events") || path.startsWith("/venues"))) ||
      (link.dataset.nav === "account" && path === "/account") ||
      (link.dataset.nav === "bookings" && (path.startsWith("/me/bookings") || path.startsWith("/bookings")));
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

document.addEventListener("onsale:route", (event) => {
  markCurrentNav(event.detail.path);
  pointAuthLinksHere();
});
// Pages also change the address in place (the search as you type): point the links at it as they are used.
document.addEventListener("click", (event) => event.target.closest?.("[data-auth]") && pointAuthLinksHere(), true);
document.querySelector("[data-skip-link]").addEventListener("click", (event) => {
  event.preventDefault();
  const main = document.getElementById("main");
  main.focus();
  main.scrollIntoView();
});

session.subscribe(renderAccount);
renderAccount();
start();
