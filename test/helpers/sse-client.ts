import { EventSource } from "eventsource";
import { onCleanup } from "./cleanup.ts";
import { waitFor } from "./wait-for.ts";

export interface ReceivedEvent {
  type: string;
  data: string;
  lastEventId: string;
}

export interface ConnectionAttempt {
  /** The Last-Event-ID header this attempt sent, or undefined for none. */
  lastEventId: string | undefined;
  /** The id of the last event received before this attempt: what a spec client must send back. */
  lastIdReceived: string | undefined;
  /** The response's headers once they arrived (e.g. X-Instance: which server took it). */
  responseHeaders?: Headers;
}

export interface ErrorSeen {
  /** readyState right after the error: CONNECTING (0) means it will retry, CLOSED (2) means it gave up. */
  readyState: number;
  code: number | undefined;
  message: string | undefined;
}

export interface SseClient {
  source: EventSource;
  /** Every event dispatched to `onmessage` or to a listener for one of `eventTypes`, in order. */
  events: ReceivedEvent[];
  opens: number;
  errors: ErrorSeen[];
  attempts: ConnectionAttempt[];
  data(type?: string): string[];
  /** Wait for 'open'; fails at once (not at the deadline) if the client gives up (CLOSED). */
  waitForOpen(message: string, timeoutMs?: number): Promise<void>;
  /**
   * Wait for `count` events (of `type`); fails at once if the client gives up (CLOSED), or
   * when `failFast(events so far)` returns a message: the events already show the wait is hopeless.
   */
  waitForEvents(
    count: number,
    message: string,
    options?: {
      type?: string;
      timeoutMs?: number;
      failFast?: (events: ReceivedEvent[]) => string | undefined;
    },
  ): Promise<ReceivedEvent[]>;
  close(): void;
}

/**
 * Open a real `eventsource` client (the npm package, the same code a Node app would use)
 * and record everything it sees. It is closed after the test, because its reconnect timer
 * would otherwise keep the test process alive.
 */
export function connect(
  url: string,
  options: { eventTypes?: string[]; headers?: Record<string, string> } = {},
): SseClient {
  const attempts: ConnectionAttempt[] = [];
  const events: ReceivedEvent[] = [];
  const source = new EventSource(url, {
    // A fetch wrapper is eventsource@4's only hook on the request. Keep init.headers:
    // that is where the client puts Last-Event-ID when it reconnects.
    fetch: (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>), ...options.headers };
      const attempt: ConnectionAttempt = {
        lastEventId: headers["Last-Event-ID"],
        lastIdReceived: events.at(-1)?.lastEventId,
      };
      attempts.push(attempt);
      return fetch(input, { ...init, headers }).then((response) => {
        attempt.responseHeaders = response.headers;
        return response;
      });
    },
  });
  // A CLOSED EventSource never reconnects: waiting longer cannot help.
  const gaveUp = (message: string) =>
    source.readyState === source.CLOSED && !closedByTest
      ? `${message} — the client gave up for good (CLOSED): ${describeErrors(client.errors)}`
      : undefined;
  let closedByTest = false;
  const client: SseClient = {
    source,
    events,
    opens: 0,
    errors: [],
    attempts,
    data: (type) => client.events.filter((e) => !type || e.type === type).map((e) => e.data),
    waitForOpen: (message, timeoutMs = 2000) =>
      waitFor(() => client.opens > 0, {
        message,
        timeoutMs,
        describe: () => `readyState ${source.readyState}, errors: ${describeErrors(client.errors)}`,
        failFast: () => gaveUp(message),
      }),
    async waitForEvents(count, message, { type, timeoutMs = 2000, failFast } = {}) {
      const matching = () => client.events.filter((e) => !type || e.type === type);
      await waitFor(() => matching().length >= count, {
        message,
        timeoutMs,
        failFast: () => {
          const early = failFast?.(matching());
          return early ? `${message} — ${early}` : gaveUp(message);
        },
        describe: () =>
          `got ${matching().length} of ${count}: ${JSON.stringify(matching().map((e) => e.data)).slice(0, 300)}; errors: ${describeErrors(client.errors)}`,
      });
      return matching();
    },
    close: () => {
      closedByTest = true;
      source.close();
    },
  };
  const record = (event: MessageEvent) =>
    client.events.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
  source.addEventListener("message", record);
  for (const type of options.eventTypes ?? []) source.addEventListener(type, record);
  source.addEventListener("open", () => {
    client.opens += 1;
  });
  source.addEventListener("error", (event) => {
    const { code, message } = event as Event & { code?: number; message?: string };
    client.errors.push({ readyState: source.readyState, code, message });
  });
  onCleanup(() => source.close());
  return client;
}

function describeErrors(errors: ErrorSeen[]): string {
  if (errors.length === 0) return "none";
  return errors
    .map((e) => `[${e.code ?? ""} ${e.message ?? ""} readyState ${e.readyState}]`)
    .join(" ");
}
