// The signed-in customer: token and email in sessionStorage (gone when the tab closes).

const KEY = "onsale.session";
const listeners = new Set();

function read() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (value && typeof value.token === "string" && value.expiresAt > Date.now()) return value;
  } catch {
    // A damaged entry reads as signed out.
  }
  return null;
}

function emit() {
  for (const listener of listeners) listener(read());
}

export const session = {
  current: read,
  token() {
    return read()?.token ?? null;
  },
  signedIn() {
    return read() !== null;
  },
  signIn({ token, expires_in: expiresIn }, email) {
    const seconds = Number(expiresIn) > 0 ? Number(expiresIn) : 3600;
    // Leave a margin so that a request never leaves with a token about to lapse.
    const expiresAt = Date.now() + Math.max(seconds - 30, 30) * 1000;
    sessionStorage.setItem(KEY, JSON.stringify({ token, email, expiresAt }));
    emit();
  },
  signOut() {
    const wasSignedIn = sessionStorage.getItem(KEY) !== null;
    sessionStorage.removeItem(KEY);
    if (wasSignedIn) emit();
  },
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
