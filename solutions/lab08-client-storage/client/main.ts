// Lab 08 page: a news feed kept in IndexedDB. It shows what it stored at once (even offline),
// then resumes the stream from the largest stored id, storing each item before showing it.
import { type NewsItem, openNewsStore } from "./news-store.ts";

const params = new URLSearchParams(location.search);
const server = params.get("server") ?? `http://${location.hostname}:8080`;
/** How long to wait before opening a new stream when the browser gave up (CLOSED). */
const reconnectMs = Number(params.get("reconnectMs") ?? 2000);
/** How many items the page keeps in IndexedDB. */
const maxStored = Number(params.get("maxStored") ?? 200);

const status = document.querySelector<HTMLElement>("#status")!;
const list = document.querySelector<HTMLOListElement>("#news")!;
const streamUrl = document.querySelector<HTMLElement>("#stream-url")!;
const shownCount = document.querySelector<HTMLElement>("#shown")!;
const fromStorage = document.querySelector<HTMLElement>("#from-storage")!;
const fromStream = document.querySelector<HTMLElement>("#from-stream")!;
const notice = document.querySelector<HTMLElement>("#notice")!;
const form = document.querySelector<HTMLFormElement>("#publish-form")!;
const result = document.querySelector<HTMLOutputElement>("#publish-result")!;

function showStatus(state: "connecting" | "online" | "offline", detail = "") {
  status.textContent = detail ? `${state} (${detail})` : state;
  status.dataset.state = state;
}

/** Show an item once, newest first. Called for stored items and for live ones alike. */
function show(item: NewsItem) {
  if (list.querySelector(`li[data-id="${item.id}"]`)) return;
  const entry = document.createElement("li");
  entry.dataset.id = String(item.id);
  const time = document.createElement("time");
  time.dateTime = item.publishedAt;
  time.textContent = new Date(item.publishedAt).toLocaleTimeString();
  entry.append(time, ` #${item.id} ${item.title}`);
  const older = [...list.children].find(
    (other) => Number((other as HTMLElement).dataset.id) < item.id,
  );
  list.insertBefore(entry, older ?? null);
  shownCount.textContent = String(list.children.length);
}

const store = await openNewsStore(maxStored);

// #region render-stored
// Storage first: the page is filled before (and whether or not) the network answers.
const stored = await store.all();
for (const item of stored) show(item);
fromStorage.textContent = String(stored.length);
// #endregion

// #region connect
async function connect() {
  // A new page cannot send Last-Event-ID, so it names its resume point in the query.
  const lastId = await store.largestId();
  const url = lastId > 0 ? `${server}/stream?lastEventId=${lastId}` : `${server}/stream`;
  streamUrl.textContent = url;
  const source = new EventSource(url);
  showStatus("connecting");
  // #endregion

  source.addEventListener("open", () => showStatus("online"));

  // #region store-then-show
  source.addEventListener("news", async (event: MessageEvent<string>) => {
    fromStream.textContent = String(Number(fromStream.textContent) + 1);
    const item: NewsItem = { id: Number(event.lastEventId), ...JSON.parse(event.data) };
    // Stored before shown: what the reader saw is what a reload will show.
    await store.save(item);
    show(item);
  });
  // #endregion

  // The server cannot resume from our id (it lost its history, or ours is too old): start over.
  source.addEventListener("reset", (event: MessageEvent<string>) => {
    const { reason } = JSON.parse(event.data) as { reason: string };
    list.replaceChildren();
    void store.clear();
    notice.hidden = false;
    notice.textContent = `The server could not resume (${reason}): the stored items were replaced.`;
  });

  // #region reconnect
  source.addEventListener("error", () => {
    // CONNECTING: the browser retries by itself. CLOSED (a proxy's 502, a 503): it never will.
    if (source.readyState !== EventSource.CLOSED) {
      showStatus("offline", "the browser retries");
      return;
    }
    showStatus("offline", `retrying in ${reconnectMs} ms`);
    setTimeout(connect, reconnectMs);
  });
  // #endregion
}

await connect();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = new FormData(form).get("title");
  try {
    const response = await fetch(`${server}/news`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title }),
    });
    const body = (await response.json()) as { id?: number; error?: string };
    result.textContent = response.ok
      ? `published as #${body.id}`
      : `${response.status}: ${body.error}`;
    if (response.ok) form.reset();
  } catch {
    result.textContent = "the server is not reachable";
  }
});
