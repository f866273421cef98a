// The Redis broker: one stream in Redis holds the events; every instance reads it.
//   publish      XADD events MAXLEN ~ N * event … data …  → the stream id, used as the SSE id
//   replayAfter  XRANGE events <lastId> +                  → what a reconnecting client missed
//   live         XREAD BLOCK … STREAMS events <lastSeen>   → one loop per instance, fanned out
import { createClient } from "redis";
import {
  type Broker,
  type BrokerEvent,
  BrokerUnavailableError,
  isAfter,
  type NewEvent,
  type Resume,
} from "./broker.ts";

export interface RedisBrokerOptions {
  /** e.g. redis://localhost:6379 */
  url: string;
  /** The stream's key; all instances must use the same one. */
  streamKey: string;
  /** How many events Redis keeps (about: `~` lets Redis trim whole blocks, which is cheaper). */
  maxLength: number;
  /** How long one XREAD waits for new events before it asks again. */
  blockMs: number;
  /** Pause before reconnecting or retrying the read loop after Redis went away. */
  retryMs: number;
}

type StreamEntry = { id: string; message: Record<string, string> };

export async function createRedisBroker(options: RedisBrokerOptions): Promise<Broker> {
  const clientOptions = {
    url: options.url,
    // Fail at once while Redis is away instead of queueing: a publish must answer 503 now,
    // not hang until Redis is back (or forever).
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => options.retryMs, connectTimeout: 2000 },
  };
  // Two connections: XREAD BLOCK holds its connection for up to blockMs, so publishing
  // and replaying need another one. Per instance, not per browser.
  const commands = createClient(clientOptions);
  const reader = createClient(clientOptions);
  // Without a listener node-redis would crash the process on a lost connection; the
  // read loop and publish() already report what matters.
  commands.on("error", () => {});
  reader.on("error", () => {});
  await Promise.all([commands.connect(), reader.connect()]);

  const listeners = new Set<(event: BrokerEvent) => void>();
  let closed = false;
  let wakeUp: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // Fields as stored in the stream entry: `event` only when the event has a type.
  const toEvent = (entry: StreamEntry): BrokerEvent => {
    const { event, data = "" } = entry.message;
    return event === undefined ? { id: entry.id, data } : { id: entry.id, event, data };
  };

  // An id Redis can take: "ms-seq", two whole numbers below 2^64. A Last-Event-ID that is not
  // one makes XRANGE fail with an error reply — the client's problem, not an outage.
  const largestIdPart = 2n ** 64n - 1n;
  const isStreamId = (id: string): boolean => {
    const parts = /^(\d+)-(\d+)$/.exec(id);
    if (!parts) return false;
    return parts.slice(1).every((part) => BigInt(part) <= largestIdPart);
  };

  // Start after the newest event that exists now: older ones are for replay, not live.
  // A concrete id, never "$": "$" asked again after a timeout would skip what arrived between.
  async function newestId(): Promise<string> {
    const newest = await commands.xRevRange(options.streamKey, "+", "-", { COUNT: 1 });
    return newest?.[0]?.id ?? "0-0";
  }

  async function publish(event: NewEvent): Promise<string> {
    // TODO 1: XADD the event (fields `event`, only when set, and `data`) to options.streamKey
    // with id "*" and MAXLEN ~ options.maxLength; resolve to the id Redis returns.
    // TODO 2: if that fails (Redis is away), reject with BrokerUnavailableError instead:
    // the server answers 503 for it.
    void [event, BrokerUnavailableError];
    throw new Error("lab06 TODO 1 (publish) is not done: nothing was XADDed to Redis");
  }

  async function readLoop() {
    let lastSeen: string | undefined;
    while (!closed) {
      try {
        // TODO 3: read live events: XREAD BLOCK options.blockMs COUNT 500 on the `reader`
        // connection, after lastSeen (start from newestId()); give each entry (toEvent) to every
        // listener and move lastSeen on to its id.
        void [lastSeen, toEvent, newestId];
        await pause(options.blockMs);
      } catch (error) {
        // close() ends the reader, so a read blocked in XREAD rejects: that is the way out.
        if (closed) return;
        // TODO 4: when Redis is away the read rejects: wait options.retryMs (pause) and go on
        // from the same lastSeen, so nothing published meanwhile is lost.
        throw error;
      }
    }
  }
  const loop = readLoop();

  async function replayAfter(lastEventId: string): Promise<Resume> {
    // TODO 5: XRANGE options.streamKey from lastEventId (inclusive) to "+". If the first
    // entry is the client's own event, replay the rest; if not, it was trimmed (or never
    // existed): answer a reset ("too old" or "unknown id") with every event still kept.
    // An id that is not isStreamId(…) never reaches Redis: reset "malformed id", not an outage.
    void [lastEventId, isAfter, isStreamId];
    return {
      kind: "reset",
      reason: "lab06 TODO 5 (replayAfter) is not done",
      events: [],
    };
  }

  return {
    publish,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    replayAfter,
    async close() {
      closed = true;
      listeners.clear();
      wakeUp?.();
      // destroy() ends a pending XREAD BLOCK at once instead of waiting out blockMs.
      reader.destroy();
      await loop;
      await commands.close();
    },
  };
}
