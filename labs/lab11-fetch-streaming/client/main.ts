// Lab 11 page: POST a prompt with fetch, show the answer token by token, Stop aborts it.
import { ChatRequestError, streamChat } from "../chat-client.ts";

const server =
  new URLSearchParams(location.search).get("server") ?? `http://${location.hostname}:8080`;

const form = document.querySelector<HTMLFormElement>("#chat-form")!;
const sendButton = document.querySelector<HTMLButtonElement>("#send")!;
const stopButton = document.querySelector<HTMLButtonElement>("#stop")!;
const status = document.querySelector<HTMLElement>("#status")!;
const answer = document.querySelector<HTMLElement>("#answer")!;
const tokenCount = document.querySelector<HTMLElement>("#token-count")!;
const chunkCount = document.querySelector<HTMLElement>("#chunk-count")!;
const summary = document.querySelector<HTMLElement>("#summary")!;
const errorLine = document.querySelector<HTMLElement>("#error")!;
document.querySelector("#url")!.textContent = server;

type State = "idle" | "streaming" | "done" | "stopped" | "error";
function show(state: State) {
  status.textContent = state;
  status.dataset.state = state;
  sendButton.disabled = state === "streaming";
  stopButton.disabled = state !== "streaming";
}

function showError(message: string) {
  errorLine.hidden = false;
  errorLine.textContent = message;
  show("error");
}

let controller: AbortController | undefined;

stopButton.addEventListener("click", () => {
  // TODO 3: abort the running request (`controller?.abort()`): fetch closes the connection,
  // the loop below ends with an AbortError, and the server sees the connection close.
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const body = {
    prompt: String(fields.get("prompt")),
    maxTokens: Number(fields.get("maxTokens")),
    ...(fields.get("fail") ? { failAfterTokens: 10 } : {}),
  };
  answer.textContent = "";
  summary.textContent = "";
  errorLine.hidden = true;
  let tokens = 0;
  let chunks = 0;
  tokenCount.textContent = "0";
  chunkCount.textContent = "0";
  show("streaming");

  // One controller per request: Stop aborts this answer, the next Send gets a fresh one.
  controller = new AbortController();
  const { signal } = controller;
  // (TODO 3 also: pass `signal` to streamChat below, or aborting the controller does nothing.)
  const onChunk = () => {
    chunks += 1;
    chunkCount.textContent = String(chunks);
  };
  try {
    for await (const received of streamChat(server, body, { onChunk })) {
      if (received.type === "token") {
        const span = document.createElement("span");
        span.className = "token";
        span.dataset.index = String(received.index);
        span.textContent = received.text;
        answer.append(span);
        tokens += 1;
        tokenCount.textContent = String(tokens);
      } else if (received.type === "done") {
        const { tokens: total, finishReason, ms } = received.summary;
        summary.textContent = `done: ${total} tokens in ${ms} ms (${finishReason})`;
        show("done");
      } else {
        // The stream had started (status 200): the server can only say it in an event.
        showError(`the answer failed halfway: ${received.message}`);
      }
    }
  } catch (error) {
    if (signal.aborted) show("stopped");
    else if (error instanceof ChatRequestError) showError(`refused: ${error.message}`);
    else showError(`the answer broke off: ${(error as Error).message}`);
  }
});
