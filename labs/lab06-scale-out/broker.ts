// The broker: what every instance publishes into and subscribes to.
// Labs 01–05 kept events in the server's memory (memory-broker.ts); lab 06 moves
// them into Redis (redis-broker.ts) so that every instance sees every event.

/** One event as every instance sees it. `id` is also the SSE `id:` line the browser echoes back. */
export interface BrokerEvent {
  id: string;
  /** The SSE event type; absent = "message". */
  event?: string;
  data: string;
}

export type NewEvent = Omit<BrokerEvent, "id">;

/**
 * What to send a client that reconnects with a Last-Event-ID (the lab 03 rules):
 * the events it missed, or — when its last event is no longer kept, since the history is
 * bounded — a reset, so the page reloads rather than silently skipping what it missed.
 */
export type Resume =
  | { kind: "replay"; events: BrokerEvent[] }
  | { kind: "reset"; reason: string; events: BrokerEvent[] };

export interface Broker {
  /** Store the event and deliver it to every subscriber on every instance; resolves to its id. */
  publish(event: NewEvent): Promise<string>;
  /** Call `listener` with each event published from now on; returns the unsubscribe function. */
  subscribe(listener: (event: BrokerEvent) => void): () => void;
  /** The kept events after `lastEventId`, oldest first. Rejects with BrokerUnavailableError. */
  replayAfter(lastEventId: string): Promise<Resume>;
  close(): Promise<void>;
}

/** Thrown by publish() when the broker cannot take the event; the server answers 503. */
export class BrokerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokerUnavailableError";
  }
}

/**
 * Does `id` come after `other`? Ids are "a" (memory broker: 1, 2, 3…) or "a-b" (a Redis
 * stream id: milliseconds-sequence). Compared as numbers part by part, never as text:
 * "10" comes after "9".
 */
export function isAfter(id: string, other: string): boolean {
  const [a, b] = [parseId(id), parseId(other)];
  return a[0] !== b[0] ? a[0] > b[0] : a[1] > b[1];
}

function parseId(id: string): [bigint, bigint] {
  const [first = "0", second = "0"] = id.split("-");
  try {
    return [BigInt(first), BigInt(second)];
  } catch {
    return [0n, 0n]; // not an id we issued: older than everything
  }
}
