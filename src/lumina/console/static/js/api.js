// The public API, with the session's tokens. Tokens live in sessionStorage: a reload stays signed in, other origins
// cannot read them, and two tabs never race one rotating refresh token (a replayed one ends the login).
const KEY = "lumina.session";

export class ApiError extends Error {
  constructor(status, body) {
    super(describe(body, status));
    this.status = status;
    this.body = body;
  }
}

// The service's error shape, said plainly; a shop's refusal adds its own reason and hint.
function describe(body, status) {
  if (!body || typeof body !== "object") return `The service answered ${status}.`;
  const parts = [body.message || body.error || `The service answered ${status}.`];
  if (body.shop) {
    if (body.shop.message && !parts[0].includes(body.shop.message)) parts.push(body.shop.message);
    if (body.shop.hint) parts.push(body.shop.hint);
  }
  return parts.map((part) => part.replace(/[.\s]*$/, ".")).join(" ");
}

let session = load();
let refreshing = null;
const listeners = new Set();

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function store(value) {
  session = value;
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(value);
}

export const currentUser = () => (session ? session.user : null);
export const onSessionChange = (listener) => listeners.add(listener);

async function send(path, { method = "GET", body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function signIn(email, password) {
  const pair = await send("/api/v1/auth/login", { method: "POST", body: { email, password } });
  store({ access: pair.accessToken, refresh: pair.refreshToken, user: pair.user });
  return pair.user;
}

export async function signOut() {
  const ending = session;
  store(null);
  if (ending) {
    try {
      await send("/api/v1/auth/logout", { method: "POST", body: { refreshToken: ending.refresh }, token: ending.access });
    } catch {
      // Signed out here either way; the tokens are forgotten.
    }
  }
}

// One refresh at a time: requests that meet a 401 together wait for the same new pair.
function refresh() {
  if (!refreshing) {
    const old = session;
    refreshing = send("/api/v1/auth/refresh", { method: "POST", body: { refreshToken: old.refresh } })
      .then((pair) => store({ access: pair.accessToken, refresh: pair.refreshToken, user: pair.user || old.user }))
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

// A request as the signed-in user; on a 401 the tokens are refreshed once and the request tried again.
export async function api(path, options = {}) {
  if (!session) throw new ApiError(401, { message: "Not signed in." });
  try {
    return await send(path, { ...options, token: session.access });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    try {
      await refresh();
    } catch {
      store(null);
      throw error;
    }
    return send(path, { ...options, token: session.access });
  }
}
