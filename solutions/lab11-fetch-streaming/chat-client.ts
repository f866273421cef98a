// POST a question, read the answer as it streams: what the page and the Node client share.
import { readEventStream } from "./read-event-stream.ts";

export interface ChatRequestBody {
  prompt: string;
  maxTokens?: number;
  failAfterTokens?: number;
}

export interface DoneSummary {
  tokens: number;
  finishReason: string;
  ms: number;
}

export type ChatEvent =
  | { type: "token"; index: number; text: string }
  | { type: "done"; summary: DoneSummary }
  | { type: "error"; message: string };

/** The server refused the request before streaming: a real HTTP status and a JSON error. */
export class ChatRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${status}: ${message}`);
  }
}

/**
 * Send `body` to `${server}/chat` and yield the answer's events as they arrive. Ends after
 * `done` or `error`. Aborting `signal` cancels the request (fetch rejects with AbortError).
 * No retry: a POST is not idempotent, sending it again would start a second answer.
 */
export async function* streamChat(
  server: string,
  body: ChatRequestBody,
  options: { signal?: AbortSignal; onChunk?: (bytes: Uint8Array) => void } = {},
): AsyncGenerator<ChatEvent> {
  // #region fetch
  const response = await fetch(`${server}/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  // Before the stream starts, failures are ordinary HTTP: a status and a JSON body.
  if (!response.ok) {
    const { error } = (await response.json().catch(() => ({}))) as { error?: string };
    throw new ChatRequestError(response.status, error ?? response.statusText);
  }
  if (!response.headers.get("Content-Type")?.startsWith("text/event-stream") || !response.body)
    throw new Error(`expected an event stream, got ${response.headers.get("Content-Type")}`);
  // #endregion

  // #region events
  for await (const event of readEventStream(response.body, { onChunk: options.onChunk })) {
    const data = JSON.parse(event.data);
    if (event.event === "token") yield { type: "token", index: data.index, text: data.text };
    if (event.event === "done") {
      yield { type: "done", summary: data };
      return;
    }
    if (event.event === "error") {
      yield { type: "error", message: data.message };
      return;
    }
  }
  // No `done` and no `error`: the connection ended halfway (a crash, a proxy timeout).
  throw new Error("the answer stopped without `done`: it is incomplete");
  // #endregion
}
