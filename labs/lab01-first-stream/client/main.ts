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

// TODO 4: when the connection opens, show("open").

// TODO 5: add each message's text to the list: an <li> appended to `messages`.

source.addEventListener("error", (event) => {
  // TODO 6: this is the tutorial's check, and it is always true: eventPhase is 2 (AT_TARGET)
  // during dispatch, and so is EventSource.CLOSED. Use source.readyState instead:
  // CLOSED means the browser gave up, CONNECTING means it will retry ("reconnecting").
  if (event.eventPhase === EventSource.CLOSED) show("closed");
});

document.querySelector("#close")!.addEventListener("click", () => {
  source.close();
  show("closed");
});
