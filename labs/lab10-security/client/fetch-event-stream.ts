// EventSource cannot send an Authorization header; fetch can. But then everything EventSource
// did for free is ours to write: parse the stream, reconnect after `retry`, give up on a non-200.
import { createParser } from "eventsource-parser";

export interface FetchEventStreamOptions {
  /** Called before every attempt, so a reconnect carries a fresh token (EventSource cannot). */
  getToken(): Promise<string>;
  onOpen(): void;
  onMessage(data: string): void;
  /** willRetry false: stopped for good, like an EventSource that went CLOSED. */
  onError(error: { status?: number; willRetry: boolean }): void;
  /** Delay before a reconnect until the server sends `retry:`. EventSource uses about 3 s. */
  retryMs?: number;
}

/** Thrown by getToken when the server refuses to issue one (e.g. 401: signed out). */
export class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

export function fetchEventStream(url: string, options: FetchEventStreamOptions) {
  const controller = new AbortController();
  let retryMs = options.retryMs ?? 3000;

  /** One connection: "ended" when the stream ends or breaks, the status when refused. */
  async function connectOnce(): Promise<"ended" | number> {
    const token = await options.getToken();
    const response = await fetch(url, {
      headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` },
      cache: "no-store",
      signal: controller.signal,
    });
    const type = response.headers.get("Content-Type") ?? "";
    if (response.status !== 200 || !type.startsWith("text/event-stream")) return response.status;
    options.onOpen();
    const parser = createParser({
      onEvent: (event) => options.onMessage(event.data),
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "ended";
      parser.feed(value);
    }
  }

  // #region reconnect
  // What EventSource does by itself: after a drop wait `retry` ms and try again,
  // but stop for good on an answer that is not a 200 event stream (401, 403, 429, 204…).
  async function run() {
    while (!controller.signal.aborted) {
      let outcome: "ended" | number;
      try {
        outcome = await connectOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
        outcome = error instanceof HttpError ? error.status : "ended"; // network error: retry
      }
      if (outcome !== "ended") {
        options.onError({ status: outcome, willRetry: false });
        return;
      }
      options.onError({ willRetry: true });
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
  // #endregion

  void run();
  return { close: () => controller.abort() };
}
