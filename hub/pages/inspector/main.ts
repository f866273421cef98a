// The stream inspector: what travels on an SSE connection, shown as it happens.
import { createParser } from "eventsource-parser";

const form = document.querySelector<HTMLFormElement>("#connect-form")!;
const urlInput = document.querySelector<HTMLInputElement>("#stream-url")!;
const attemptsList = document.querySelector<HTMLOListElement>("#attempts")!;
const readyStatesList = document.querySelector<HTMLOListElement>("#ready-states")!;
const rawList = document.querySelector<HTMLOListElement>("#raw")!;
const eventsBody = document.querySelector<HTMLTableSectionElement>("#events")!;
const retryShown = document.querySelector<HTMLElement>("#retry")!;

// Long sessions on a projector must not grow the page without bound.
const keepRows = 300;
let startedAt = performance.now();
const elapsed = () => `+${Math.round(performance.now() - startedAt)} ms`;

function append(list: HTMLElement, item: HTMLElement) {
  list.append(item);
  while (list.children.length > keepRows) list.firstElementChild?.remove();
  // Follow the newest row inside its own scroll box, without scrolling the whole page.
  const box = list.closest(".scroll");
  if (box) box.scrollTop = box.scrollHeight;
}

function stamped(tag: string): HTMLElement {
  const item = document.createElement(tag);
  const time = document.createElement("time");
  time.textContent = elapsed();
  item.append(time);
  return item;
}

/** One inspection: a spec-like fetch loop plus a real EventSource, both stoppable. */
class Inspection {
  private stopped = false;
  private lastEventId = "";
  /** The spec's default until the server sends `retry:`; browsers use about 3 s. */
  private retryMs = 3000;
  private attempt = 0;
  private controller = new AbortController();
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private source: EventSource;

  constructor(private relayUrl: string) {
    this.source = this.watchReadyState();
    void this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.controller.abort();
    this.source.close();
    this.showReadyState("close() called");
  }

  private watchReadyState(): EventSource {
    const source = new EventSource(this.relayUrl);
    this.source = source;
    this.showReadyState("created");
    source.addEventListener("open", () => this.showReadyState("open"));
    source.addEventListener("error", () => this.showReadyState("error"));
    return source;
  }

  private showReadyState(cause: string) {
    const names = ["CONNECTING", "OPEN", "CLOSED"];
    const state = names[this.source.readyState] ?? "?";
    const item = stamped("li");
    item.dataset.state = state;
    item.append(`${this.source.readyState} ${state} (${cause})`);
    append(readyStatesList, item);
  }

  private async connect() {
    this.attempt += 1;
    const item = stamped("li");
    item.dataset.attempt = String(this.attempt);
    item.dataset.lastEventId = this.lastEventId;
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    // The header a reconnecting EventSource sends: the id of the last event it saw.
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
    item.append(
      `#${this.attempt} GET · ${this.lastEventId ? `Last-Event-ID: ${this.lastEventId}` : "no Last-Event-ID"}`,
    );
    append(attemptsList, item);

    let response: Response;
    try {
      response = await fetch(this.relayUrl, {
        headers,
        cache: "no-store",
        signal: this.controller.signal,
      });
    } catch {
      if (this.stopped) return;
      item.append(" → network error");
      this.scheduleReconnect(item);
      return;
    }
    const type = response.headers.get("content-type") ?? "";
    item.dataset.status = String(response.status);
    item.append(` → ${response.status} ${type}`);
    if (response.status === 204) {
      item.append(" · 204 means stop: no more reconnects");
      return;
    }
    if (!response.ok || !type.startsWith("text/event-stream")) {
      item.append(" · not an event stream: a browser gives up here");
      return;
    }
    await this.read(response);
    if (!this.stopped) this.scheduleReconnect(item);
  }

  private async read(response: Response) {
    const parser = createParser({
      onEvent: (event) => {
        if (event.id !== undefined) this.lastEventId = event.id;
        const row = document.createElement("tr");
        row.dataset.type = event.event ?? "message";
        row.dataset.id = event.id ?? "";
        for (const [text, className] of [
          [event.event ?? "message", ""],
          [event.id ?? "", ""],
          [event.data, "data"],
        ] as const) {
          const cell = document.createElement("td");
          cell.textContent = text;
          if (className) cell.className = className;
          row.append(cell);
        }
        append(eventsBody, row);
      },
      onRetry: (ms) => {
        this.retryMs = ms;
        retryShown.textContent = String(ms);
      },
    });
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        const item = stamped("li");
        const pre = document.createElement("pre");
        pre.textContent = text.replace(/\r\n|\r|\n/g, "⏎\n");
        item.append(pre);
        append(rawList, item);
        parser.feed(text);
      }
    } catch {
      // Aborted by stop(), or the connection dropped: the caller decides what comes next.
    }
  }

  private scheduleReconnect(item: HTMLElement) {
    if (this.stopped) return;
    item.append(` · closed; reconnecting in ${this.retryMs} ms`);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.retryMs);
  }
}

let current: Inspection | undefined;

function start(streamUrl: string) {
  current?.stop();
  for (const list of [attemptsList, readyStatesList, rawList, eventsBody]) list.replaceChildren();
  startedAt = performance.now();
  current = new Inspection(`/relay?url=${encodeURIComponent(streamUrl)}`);
  history.replaceState(null, "", `?url=${encodeURIComponent(streamUrl)}`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  start(urlInput.value.trim());
});
document.querySelector("#stop")!.addEventListener("click", () => current?.stop());

// ?url=… opens the inspector already connected: a link an instructor can bookmark.
const fromQuery = new URLSearchParams(location.search).get("url");
if (fromQuery) {
  urlInput.value = fromQuery;
  start(fromQuery);
}
