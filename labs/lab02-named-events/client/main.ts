// Lab 02 client: unnamed messages and named `signup` events go to different handlers.
const server =
  new URLSearchParams(location.search).get("server") ?? `http://${location.hostname}:8080`;
const url = `${server}/stream`;

const status = document.querySelector<HTMLElement>("#status")!;
const readyState = document.querySelector<HTMLElement>("#ready-state")!;
const messages = document.querySelector<HTMLOListElement>("#messages")!;
const signups = document.querySelector<HTMLOListElement>("#signups")!;
const form = document.querySelector<HTMLFormElement>("#signup-form")!;
const result = document.querySelector<HTMLOutputElement>("#signup-result")!;
document.querySelector("#url")!.textContent = url;

const stateNames = ["CONNECTING", "OPEN", "CLOSED"];
function show(state: "connecting" | "open" | "reconnecting" | "closed") {
  status.textContent = state;
  status.dataset.state = state;
  readyState.textContent = `${source.readyState} (${stateNames[source.readyState]})`;
}

function addItem(list: HTMLOListElement, text: string) {
  const item = document.createElement("li");
  // textContent, never innerHTML: the name comes from another user.
  item.textContent = text;
  list.append(item);
}

const source = new EventSource(url);
show("connecting");
source.addEventListener("open", () => show("open"));
source.addEventListener("error", () => {
  show(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
});

// Only events without an `event:` field (or with `event: message`) arrive here.
source.onmessage = (event: MessageEvent<string>) => addItem(messages, event.data);

// TODO 5: listen for "signup" events with source.addEventListener("signup", …): they never reach
// onmessage. Parse event.data as JSON and add `${name} signed up` to the `signups` list.

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = new FormData(form).get("name");
  const response = await fetch(`${server}/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await response.json()) as { delivered?: number; error?: string };
  result.textContent = response.ok
    ? `sent to ${body.delivered} client(s)`
    : `${response.status}: ${body.error}`;
  if (response.ok) form.reset();
});
