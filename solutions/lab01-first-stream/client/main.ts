// Lab 01 client: the tutorial's callbacks, with a closure check that works.
const server =
  new URLSearchParams(location.search).get("server") ?? `http://${location.hostname}:8080`;
const url = `${server}/stream`;

const status = document.querySelector<HTMLElement>("#status")!;
const readyState = document.querySelector<HTMLElement>("#ready-state")!;
const messages = document.querySelector<HTMLOListElement>("#messages")!;
document.querySelector("#url")!.textContent = url;

const stateNames = ["CONNECTING", "OPEN", "CLOSED"];
function show(state: "connecting" | "open" | "reconnecting" | "closed") {
  status.textContent = state;
  status.dataset.state = state;
  readyState.textContent = `${source.readyState} (${stateNames[source.readyState]})`;
}

const source = new EventSource(url);
show("connecting");

source.addEventListener("open", () => show("open"));

source.onmessage = (event: MessageEvent<string>) => {
  const item = document.createElement("li");
  item.textContent = event.data;
  messages.append(item);
};

// #region closed-check
source.addEventListener("error", () => {
  // Not `event.eventPhase == EventSource.CLOSED`: eventPhase is 2 (AT_TARGET) for every
  // error event, and EventSource.CLOSED is also 2, so that test is always true.
  // readyState says what happened: CONNECTING = it will retry, CLOSED = it gave up.
  show(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
});
// #endregion

document.querySelector("#close")!.addEventListener("click", () => {
  source.close();
  show("closed");
});
