// Log in and sign up. Both end signed in and back where the customer came from (`?next=`).

import { api } from "../api.js";
import { announce, h, notice } from "../dom.js";
import { navigate, takeFlash } from "../router.js";
import { session } from "../session.js";

function nextPath(query) {
  const next = query.get("next") || "/";
  // Only paths inside the app: never an absolute or protocol-relative address.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function field({ id, label, type = "text", autocomplete, hint, required = true, minlength }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const input = h("input", {
    id,
    name: id,
    type,
    autocomplete,
    required,
    minlength,
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
  });
  const wrapper = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
  return { wrapper, input };
}

function setFieldError(input, message) {
  const error = document.getElementById(`${input.id}-error`);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    error.textContent = message;
    error.hidden = false;
  } else {
    input.removeAttribute("aria-invalid");
    error.textContent = "";
    error.hidden = true;
  }
}

function validate(inputs) {
  let first = null;
  for (const input of inputs) {
    let message = "";
    if (input.validity.valueMissing) message = "This field is required.";
    else if (input.validity.typeMismatch) message = "Enter an email address like name@example.com.";
    else if (input.validity.tooShort) message = `Use at least ${input.minLength} characters.`;
    setFieldError(input, message);
    if (message && !first) first = input;
  }
  if (first) first.focus();
  return !first;
}

function authShell(ctx, title, intro, form, footer) {
  const flash = takeFlash();
  const box = h("div", { class: "form-alert" });
  ctx.main.append(
    h(
      "section",
      { class: "auth-card card", "aria-labelledby": "auth-title" },
      h("h1", { id: "auth-title" }, title),
      h("p", { class: "lead" }, intro),
      flash ? notice(flash.kind, h("p", {}, flash.message)) : null,
      box,
      form,
      h("p", { class: "auth-footer" }, ...footer),
    ),
  );
  return box;
}

async function logIn(email, password) {
  const answer = await api("POST", "/auth/login", { body: { email, password } });
  session.signIn(answer, email.trim().toLowerCase());
}

function busy(button, on, label) {
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
  if (label) button.textContent = label;
}

export function loginPage(ctx) {
  document.title = "Log in · Onsale";
  const next = nextPath(ctx.query);
  const email = field({ id: "login-email", label: "Email", type: "email", autocomplete: "email" });
  const password = field({
    id: "login-password",
    label: "Password",
    type: "password",
    autocomplete: "current-password",
  });
  const submit = h("button", { type: "submit", class: "button button-primary button-block" }, "Log in");
  const form = h("form", { novalidate: true, class: "stack" }, email.wrapper, password.wrapper, submit);
  const box = authShell(ctx, "Log in", "Welcome back. Log in to hold seats and see your bookings.", form, [
    "New to Onsale? ",
    h("a", { href: `#/signup?next=${encodeURIComponent(next)}` }, "Create an account"),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.replaceChildren();
    if (!validate([email.input, password.input])) return;
    busy(submit, true, "Logging in…");
    try {
      await logIn(email.input.value, password.input.value);
      announce("You're logged in.");
      navigate(next);
    } catch (error) {
      busy(submit, false, "Log in");
      const message =
        error.code === "invalid_credentials"
          ? "That email and password don't match an account. Check them and try again."
          : error.message;
      box.replaceChildren(notice("error", h("p", {}, message)));
      password.input.focus();
    }
  });
}

export function signupPage(ctx) {
  document.title = "Sign up · Onsale";
  const next = nextPath(ctx.query);
  const name = field({ id: "signup-name", label: "Name", autocomplete: "name" });
  const email = field({ id: "signup-email", label: "Email", type: "email", autocomplete: "email" });
  const password = field({
    id: "signup-password",
    label: "Password",
    type: "password",
    autocomplete: "new-password",
    hint: "At least 8 characters.",
    minlength: 8,
  });
  const submit = h(
    "button",
    { type: "submit", class: "button button-primary button-block" },
    "Create account",
  );
  // Marketing e-mail needs consent: an unticked box, never a pre-ticked one.
  const consent = h("input", { type: "checkbox", id: "signup-consent", name: "marketing_consent" });
  const form = h(
    "form",
    { novalidate: true, class: "stack" },
    name.wrapper,
    email.wrapper,
    password.wrapper,
    h(
      "div",
      { class: "check-field" },
      consent,
      h("label", { for: "signup-consent" }, "E-mail me recommendations and news (optional — you can change this any time on your account page)"),
    ),
    submit,
  );
  const box = authShell(
    ctx,
    "Create your account",
    "One account for every event. It takes a few seconds.",
    form,
    ["Already have an account? ", h("a", { href: `#/login?next=${encodeURIComponent(next)}` }, "Log in")],
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.replaceChildren();
    if (!validate([name.input, email.input, password.input])) return;
    busy(submit, true, "Creating account…");
    try {
      await api("POST", "/auth/signup", {
        body: {
          email: email.input.value.trim(),
          password: password.input.value,
          name: name.input.value.trim(),
          ...(consent.checked ? { marketing_consent: true } : {}),
        },
      });
      await logIn(email.input.value, password.input.value);
      announce("Your account is ready and you're logged in.");
      navigate(next);
    } catch (error) {
      busy(submit, false, "Create account");
      if (error.code === "email_taken") {
        box.replaceChildren(
          notice(
            "error",
            h(
              "p",
              {},
              "An account with this email already exists. ",
              h("a", { href: `#/login?next=${encodeURIComponent(next)}` }, "Log in instead"),
              ".",
            ),
          ),
        );
        setFieldError(email.input, "This email is already registered.");
        email.input.focus();
      } else {
        box.replaceChildren(notice("error", h("p", {}, error.message)));
      }
    }
  });
}
