// Lab 06 client: lab 05's page. Open it through nginx (?server=http://localhost:<nginx port>)
// in two tabs: a signup taken by either instance shows in both, with the same Redis stream id.
// Unlike lab 05's page it does not say which instance serves it: events now come through Redis
// from both instances, so an event's origin no longer tells who holds your stream.
const server =
  new URLSearchParams(location.search).get("server") ?? `http://${location.hostname}:8080`;
const url = `${server}/stream`;

const status = document.querySelector<HTMLElement>("#status")!;
const readyState = document.querySelector<HTMLElement>("#ready-state")!;
const messages = document.querySelector<HTMLOListElement>("#messages")!;
const signups = document.querySelector<HTMLOListElement>("#signups")!;
const reconnects = document.querySelector<HTMLElement>("#reconnects")!;
const lastId = document.querySelector<HTMLElement>("#last-id")!;
const notice = document.querySelector<HTMLElement>("#notice")!;
const form = document.querySelector<HTMLFormElement>("#signup-form")!;
const result = document.querySelector<HTMLOutputElement>("#signup-result")!;
document.querySelector("#url")!.textContent = url;

const stateNames = ["CONNECTING", "OPEN", "CLOSED"];
function show(state: "connecting" | "open" | "reconnecting" | "closed") {
  status.textContent = state;
  status.dataset.state = state;
  readyState.textContent = `${source.readyState} (${stateNames[source.readyState]})`;
}

function addItem(list: HTMLOListElement, event: MessageEvent<string>, text: string) {
  const item = document.createElement("li");
  item.dataset.id = event.lastEventId;
  item.textContent = `${event.lastEventId}: ${text}`;
  list.append(item);
  lastId.textContent = event.lastEventId;
}

const firstAfter = document.querySelector<HTMLElement>("#first-after")!;
const openedAt = performance.now();
const source = new EventSource(url);
let opens = 0;
show("connecting");

source.addEventListener("open", () => {
  // Every open after the first is the browser reconnecting on its own, with Last-Event-ID.
  opens += 1;
  reconnects.textContent = String(opens - 1);
  show("open");
});
source.addEventListener("error", () => {
  // After a 204 (or any non-200) the browser gives up: readyState is CLOSED.
  show(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
});

source.onmessage = (event: MessageEvent<string>) => {
  if (messages.childElementCount === 0) {
    firstAfter.textContent = `${Math.round(performance.now() - openedAt)} ms`;
  }
  addItem(messages, event, event.data);
};

source.addEventListener("signup", (event: MessageEvent<string>) => {
  const { name, instance } = JSON.parse(event.data) as { name: string; instance?: string };
  addItem(signups, event, `${name} signed up (via ${instance ?? "?"})`);
});

// The server could not resume from our id: what we show may have a gap.
source.addEventListener("reset", (event: MessageEvent<string>) => {
  const { reason } = JSON.parse(event.data) as { reason: string };
  notice.hidden = false;
  notice.textContent = `The server could not resume (${reason}): some events may be missing. Reload to start clean.`;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = new FormData(form).get("name");
  const response = await fetch(`${server}/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await response.json()) as { id?: string; error?: string };
  // 202: stored in Redis (the id is the event's SSE id); 503: Redis is away, not acknowledged.
  result.textContent = response.ok
    ? `stored as ${body.id} by ${response.headers.get("X-Instance") ?? "?"}`
    : `${response.status}: ${body.error}`;
  if (response.ok) form.reset();
});
