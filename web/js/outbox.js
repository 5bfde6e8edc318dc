// The developer outbox: the local stack's sent mail (relayed from the emulator as /outbox.json),
// newest first. HTML bodies are shown in sandboxed frames (no scripts, no same-origin access).

import { h } from "./dom.js";

const list = document.getElementById("emails");
const status = document.getElementById("status");
const filter = document.getElementById("filter");
const auto = document.getElementById("auto");
const open = new Set(); // ids of the e-mails the developer expanded
let emails = [];

function when(date) {
  return date ? new Date(date).toLocaleString() : "—";
}

function item(email) {
  const details = h(
    "details",
    { class: "outbox-item", open: open.has(email.id), ontoggle: (e) => (e.target.open ? open.add(email.id) : open.delete(email.id)) },
    h("summary", {}, h("span", {}, when(email.date)), h("span", {}, email.to.join(", ")), h("span", {}, h("strong", {}, email.subject))),
  );
  const body = h("div", { class: "outbox-body" });
  const headers = Object.entries(email.headers || {}).map(([name, value]) => h("div", {}, h("strong", {}, `${name}: `), value));
  body.append(h("div", { class: "outbox-headers" }, h("div", {}, h("strong", {}, "From: "), email.from), ...headers));
  if (email.html) {
    const frame = h("iframe", { sandbox: "", title: `HTML body of ${email.subject}`, loading: "lazy" });
    frame.srcdoc = email.html;
    body.append(frame);
  }
  if (email.text) body.append(h("pre", {}, email.text));
  details.append(body);
  return details;
}

function render() {
  const needle = filter.value.trim().toLowerCase();
  const shown = emails.filter(
    (e) => !needle || e.subject.toLowerCase().includes(needle) || e.to.some((to) => to.toLowerCase().includes(needle)),
  );
  list.replaceChildren(...shown.map((email) => h("li", {}, item(email))));
  status.textContent = `${shown.length} of ${emails.length} e-mail${emails.length === 1 ? "" : "s"}`;
}

async function refresh() {
  try {
    const response = await fetch("outbox.json", { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    emails = body.emails;
    render();
  } catch (error) {
    status.textContent = `Could not read the emulator's sent mail: ${error.message}`;
  }
}

document.getElementById("refresh").addEventListener("click", refresh);
filter.addEventListener("input", render);
setInterval(() => auto.checked && refresh(), 3000);
refresh();
