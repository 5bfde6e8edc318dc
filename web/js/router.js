// Hash routing: "#/path?query". Each route renders into <main>; a newer navigation makes older
// renders stale (ctx.isCurrent()), and cleanups registered with ctx.onLeave run on the way out.

const routes = [];
let generation = 0;
let cleanups = [];
let firstRender = true;
let flash = null;

export function route(pattern, render, { title } = {}) {
  const names = [];
  const source = pattern.replace(/:([a-z]+)/gi, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, render, title });
}

export function parseHash(hash = location.hash) {
  const raw = hash.startsWith("#/") ? hash.slice(1) : "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(search) };
}

/** The current location as an app path ("/events/123?section=A"), for "come back here" links. */
export function currentPath() {
  return location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
}

export function href(path, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString() : "";
  return `#${path}${qs ? `?${qs}` : ""}`;
}

export function navigate(path, { replace = false } = {}) {
  const target = `#${path}`;
  if (replace) {
    history.replaceState(history.state, "", target);
    render();
  } else if (location.hash === target) {
    render();
  } else {
    location.hash = target;
  }
}

/** Update the address without rendering again (e.g. search terms as the customer types). */
export function replaceQuery(path, query) {
  history.replaceState(history.state, "", href(path, query));
}

/** A message shown at the top of the next page (e.g. "Your session ended"). */
export function setFlash(kind, message) {
  flash = { kind, message };
}

export function takeFlash() {
  const value = flash;
  flash = null;
  return value;
}

export async function render() {
  const mine = ++generation;
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch (error) {
      console.error(error);
    }
  }
  cleanups = [];
  const main = document.getElementById("main");
  const { path, query } = parseHash();
  let match = null;
  let params = {};
  for (const candidate of routes) {
    const found = candidate.regex.exec(path);
    if (found) {
      match = candidate;
      params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      break;
    }
  }
  const ctx = {
    path,
    params,
    query,
    main,
    isCurrent: () => mine === generation,
    onLeave: (fn) => cleanups.push(fn),
  };
  main.replaceChildren();
  main.setAttribute("aria-busy", "true");
  document.dispatchEvent(new CustomEvent("onsale:route", { detail: { path } }));
  const wasFirst = firstRender;
  firstRender = false;
  if (!wasFirst) window.scrollTo(0, 0);
  try {
    await (match ? match.render(ctx) : notFound(ctx));
  } catch (error) {
    console.error(error);
    if (ctx.isCurrent()) {
      main.replaceChildren();
      const h1 = document.createElement("h1");
      h1.textContent = "Something went wrong";
      const p = document.createElement("p");
      p.textContent = "Please reload the page and try again.";
      main.append(h1, p);
    }
  }
  if (!ctx.isCurrent()) return;
  main.removeAttribute("aria-busy");
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  if (!wasFirst) focusHeading(main);
}

export function focusHeading(main = document.getElementById("main")) {
  const heading = main.querySelector("h1");
  const target = heading || main;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}

function notFound(ctx) {
  document.title = "Page not found · Onsale";
  const h1 = document.createElement("h1");
  h1.textContent = "Page not found";
  const p = document.createElement("p");
  const a = document.createElement("a");
  a.href = "#/";
  a.textContent = "Find events";
  p.append("There is nothing at this address. ", a, ".");
  ctx.main.append(h1, p);
}

export function start() {
  window.addEventListener("hashchange", () => {
    if (location.hash === "" || location.hash.startsWith("#/")) render();
  });
  render();
}
