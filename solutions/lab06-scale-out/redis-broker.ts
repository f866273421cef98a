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
    try {
      return await commands.xAdd(
        options.streamKey,
        "*",
        event.event === undefined ? { data: event.data } : { event: event.event, data: event.data },
        { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: options.maxLength } },
      );
    } catch (error) {
      throw new BrokerUnavailableError("Redis is unavailable: the event is not acknowledged", {
        cause: error,
      });
    }
  }

  async function readLoop() {
    let lastSeen: string | undefined;
    while (!closed) {
      try {
        lastSeen ??= await newestId();
        const reply = await reader.xRead(
          { key: options.streamKey, id: lastSeen },
          { BLOCK: options.blockMs, COUNT: 500 },
        );
        for (const stream of (reply ?? []) as { messages: StreamEntry[] }[]) {
          for (const entry of stream.messages) {
            lastSeen = entry.id;
            const event = toEvent(entry);
            for (const listener of listeners) listener(event);
          }
        }
      } catch {
        // Redis is away (or restarting). Keep lastSeen: when it is back we read on from
        // there, so nothing published meanwhile by another instance is lost.
        if (!closed) await pause(options.retryMs);
      }
    }
  }
  const loop = readLoop();

  async function replayAfter(lastEventId: string): Promise<Resume> {
    try {
      if (isStreamId(lastEventId)) {
        // Inclusive start on purpose: finding the client's own last event proves that
        // nothing between it and the rest was trimmed away.
        const fromLast = (await commands.xRange(options.streamKey, lastEventId, "+")) ?? [];
        if (fromLast[0]?.id === lastEventId) {
          return { kind: "replay", events: fromLast.slice(1).map(toEvent) };
        }
      }
      // The client's last event is not here: a gap it must know about (lab 03's reset),
      // followed by everything still kept.
      const held = ((await commands.xRange(options.streamKey, "-", "+")) ?? []).map(toEvent);
      const oldest = held[0]?.id;
      // Not an id Redis could take ("abc", "99999999999999999999999-0"): answered like lab 03's
      // malformed ids, a reset and what is kept, never "Redis unavailable" (the client would
      // come back with the same id forever).
      if (!isStreamId(lastEventId)) return { kind: "reset", reason: "malformed id", events: held };
      const tooOld = oldest !== undefined && isAfter(oldest, lastEventId);
      return { kind: "reset", reason: tooOld ? "too old" : "unknown id", events: held };
    } catch (error) {
      throw new BrokerUnavailableError("Redis is unavailable: cannot replay", { cause: error });
    }
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
