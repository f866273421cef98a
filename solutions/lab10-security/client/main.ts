// Lab 10 client: sign in, then listen with the way of authenticating chosen in ?auth=.
import { fetchEventStream, HttpError } from "./fetch-event-stream.ts";

const params = new URLSearchParams(location.search);
const server = params.get("server") ?? `http://${location.hostname}:8080`;
const auth = params.get("auth") ?? "cookie";

const status = document.querySelector<HTMLElement>("#status")!;
const notice = document.querySelector<HTMLElement>("#notice")!;
const who = document.querySelector<HTMLElement>("#who")!;
const events = document.querySelector<HTMLOListElement>("#events")!;
const authSelect = document.querySelector<HTMLSelectElement>("#auth")!;
const loginForm = document.querySelector<HTMLFormElement>("#login-form")!;
const publishForm = document.querySelector<HTMLFormElement>("#publish-form")!;
const publishResult = document.querySelector<HTMLOutputElement>("#publish-result")!;
document.querySelector("#server")!.textContent = server;
authSelect.value = auth;
authSelect.addEventListener("change", () => {
  params.set("auth", authSelect.value);
  location.search = params.toString();
});

function show(state: "connecting" | "open" | "reconnecting" | "closed", message?: string) {
  status.textContent = state;
  status.dataset.state = state;
  notice.hidden = message === undefined;
  notice.textContent = message ?? "";
}

/** POST JSON with the session cookie: the JSON type is what keeps foreign pages out (CSRF). */
function post(path: string, body: unknown = {}) {
  return fetch(`${server}${path}`, {
    method: "POST",
    credentials: "include",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function newToken(): Promise<string> {
  const response = await post("/tokens");
  if (!response.ok) throw new HttpError(response.status);
  return ((await response.json()) as { token: string }).token;
}

function showEvent(data: string) {
  const { from, to, text } = JSON.parse(data) as { from: string; to?: string; text: string };
  const item = document.createElement("li");
  item.dataset.from = from;
  item.dataset.to = to ?? "";
  item.textContent = to ? `${from} → ${to} (private): ${text}` : `${from}: ${text}`;
  events.append(item);
}

/** EventSource only says "error" and CLOSED; ask the server why, so the page can say what to do. */
async function explainClosed() {
  const me = await fetch(`${server}/me`, { credentials: "include" }).catch(() => undefined);
  if (me?.status === 401) {
    who.textContent = "nobody";
    show("closed", "401: your session ended (signed out, revoked or expired). Sign in again.");
  } else show("closed", "The server refused the stream (e.g. 429: too many open streams).");
}

let stop: (() => void) | undefined;

// #region connect
async function connect() {
  stop?.();
  show("connecting");
  if (auth === "bearer") {
    const stream = fetchEventStream(`${server}/stream`, {
      getToken: newToken,
      onOpen: () => show("open"),
      onMessage: showEvent,
      onError: ({ status: code, willRetry }) => {
        if (willRetry) show("reconnecting");
        else if (code === 401) show("closed", "401: your session ended. Sign in again.");
        else show("closed", `The server refused the stream (${code}).`);
      },
    });
    stop = stream.close;
    return;
  }
  // A cookie goes along on its own: cross-origin only with withCredentials (and CORS that allows it).
  // A query token must be fetched first, and lands in every log that records URLs.
  const url =
    auth === "token"
      ? `${server}/stream?token=${encodeURIComponent(await newToken())}`
      : `${server}/stream`;
  const source = new EventSource(url, { withCredentials: auth === "cookie" });
  stop = () => source.close();
  source.addEventListener("open", () => show("open"));
  source.addEventListener("message", (event) => showEvent(event.data));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) void explainClosed();
    else show("reconnecting");
  });
}
// #endregion

async function signIn(user: string) {
  const response = await post("/login", { user });
  const body = (await response.json()) as { user?: string; error?: string };
  if (!response.ok) {
    show("closed", `${response.status}: ${body.error}`);
    return;
  }
  who.textContent = body.user ?? "";
  await connect();
}

// A fetch that CORS blocks only says "Failed to fetch": the console has the reason.
const trySignIn = (user: string) =>
  signIn(user).catch((error: Error) =>
    show("closed", `Could not sign in (${error.message}): see the console (CORS?).`),
  );

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void trySignIn(String(new FormData(loginForm).get("user")));
});

document.querySelector("#logout")!.addEventListener("click", async () => {
  await post("/logout");
});

publishForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(publishForm);
  const to = String(form.get("to") ?? "").trim();
  const response = await post("/publish", { text: form.get("text"), ...(to ? { to } : {}) });
  const body = (await response.json()) as { delivered?: number; error?: string };
  publishResult.textContent = response.ok
    ? `delivered to ${body.delivered} stream(s)`
    : `${response.status}: ${body.error}`;
});

// ?user=ada signs in at once (handy for two tabs side by side, and for the tests).
const user = params.get("user");
if (user) void trySignIn(user);
