// Lab 05 client: lab 04's page, opened through nginx (?server=http://localhost:<nginx port>).
// It also shows which instance serves the stream, and every instance it has met: reload it in
// a few tabs to watch nginx spread them, stop an instance to watch the page move.
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
const servedBy = document.querySelector<HTMLElement>("#instance")!;
const instancesSeen = document.querySelector<HTMLElement>("#instances-seen")!;
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

// EventSource cannot read response headers (X-Instance), so the page learns who serves it
// from the events: each instance puts its name in them (ticks end `from <name>`).
const seen = new Set<string>();
function showInstance(name: string | undefined) {
  if (!name) return;
  servedBy.textContent = name;
  seen.add(name);
  instancesSeen.textContent = [...seen].join(", ");
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
  showInstance(/ from (\S+)$/.exec(event.data)?.[1]);
};

source.addEventListener("signup", (event: MessageEvent<string>) => {
  const { name, instance } = JSON.parse(event.data) as { name: string; instance?: string };
  addItem(signups, event, `${name} signed up (via ${instance ?? "?"})`);
  showInstance(instance);
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
  const body = (await response.json()) as { delivered?: number; error?: string };
  result.textContent = response.ok
    ? `sent to ${body.delivered} client(s) of instance ${response.headers.get("X-Instance") ?? "?"}`
    : `${response.status}: ${body.error}`;
  if (response.ok) form.reset();
});
