// Lab 06 — scale out: lab 05's instances share one broker (Redis), so an event published on
// any instance reaches the clients of every instance, and any instance can replay what a
// reconnecting client missed.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { type Broker, type BrokerEvent, BrokerUnavailableError, isAfter } from "./broker.ts";
import { encodeComment, encodeEvent } from "./encode-event.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";
import { createMemoryBroker } from "./memory-broker.ts";
import { createRedisBroker } from "./redis-broker.ts";

export interface Options {
  port: number;
  host: string;
  /** Milliseconds between two tick messages; 0 sends none. */
  intervalMs: number;
  corsOrigins: string[];
  maxBodyBytes: number;
  maxNameLength: number;
  /** How many past events are kept for clients that reconnect (in Redis: MAXLEN ~). */
  historySize: number;
  /** The reconnection delay the server asks clients to use, in ms. */
  retryMs: number;
  /** The name this instance gives in the X-Instance header and in every event. */
  instanceName: string;
  /** Milliseconds between two `: ping` comments on every stream; 0 sends none.
   *  Keep it well under the proxy's idle timeout (nginx proxy_read_timeout: 60 s by default). */
  heartbeatMs: number;
  /** How long a graceful shutdown waits for open requests before cutting them. */
  shutdownTimeoutMs: number;
  /** Redis to share events through, e.g. redis://localhost:6379; absent: in memory (lab 05). */
  redisUrl: string | undefined;
  /** The Redis stream every instance publishes to and reads from. */
  streamKey: string;
  /** How long one XREAD waits for new events before asking again. */
  redisBlockMs: number;
  /** Pause before retrying Redis after it went away. */
  redisRetryMs: number;
  /** Most unread bytes a client may hold before it is cut (lab 02: a client that stops reading). */
  maxBufferedBytes: number;
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  intervalMs: 1000,
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  maxBodyBytes: 1024,
  maxNameLength: 100,
  historySize: 100,
  retryMs: 1000,
  instanceName: "app",
  heartbeatMs: 15_000,
  shutdownTimeoutMs: 5000,
  redisUrl: undefined,
  streamKey: "events",
  redisBlockMs: 5000,
  redisRetryMs: 500,
  maxBufferedBytes: 256 * 1024,
};

/** The broker the options ask for: Redis when there is a URL, memory otherwise. */
export function createBroker(options: Options): Promise<Broker> {
  if (options.redisUrl === undefined) {
    return Promise.resolve(createMemoryBroker({ historySize: options.historySize }));
  }
  return createRedisBroker({
    url: options.redisUrl,
    streamKey: options.streamKey,
    maxLength: options.historySize,
    blockMs: options.redisBlockMs,
    retryMs: options.redisRetryMs,
  });
}

function frameOf(event: BrokerEvent): string {
  return encodeEvent({ event: event.event, data: event.data, id: event.id });
}

export function createApp(options: Options, broker: Broker) {
  const app = express();
  const streams = new Set<express.Response>();
  let ended = false;
  let slowClientsCut = 0;

  /** Write to one client, and cut it if it has stopped reading (lab 02). */
  function writeOrCut(res: express.Response, frame: string) {
    if (res.destroyed) return;
    res.write(frame);
    if (res.writableLength > options.maxBufferedBytes) {
      slowClientsCut += 1;
      console.warn(`cut a client that stopped reading (${res.writableLength} bytes unread)`);
      res.destroy(); // it reconnects with Last-Event-ID and gets what it missed from the broker
    }
  }

  // Events reach this instance's clients only through the broker: publishing here and on
  // every other instance looks the same to them.
  const ticker =
    options.intervalMs > 0
      ? setInterval(() => {
          const data = `tick at ${new Date().toISOString()} from ${options.instanceName}`;
          // A tick lost while Redis is away is not worth a crash: the next one follows.
          broker.publish({ data }).catch(() => {});
        }, options.intervalMs)
      : undefined;

  // A comment is ignored by EventSource, but it is traffic: the proxy's idle timer starts over.
  // One timer for all streams, so a client that leaves leaves nothing behind.
  const ping = encodeComment("ping");
  const heartbeat =
    options.heartbeatMs > 0
      ? setInterval(() => {
          for (const res of streams) writeOrCut(res, ping);
        }, options.heartbeatMs)
      : undefined;

  // Every response names the instance that served it, so students see the load spread.
  app.use((_req, res, next) => {
    res.setHeader("X-Instance", options.instanceName);
    next();
  });

  app.use(
    cors({
      origin: options.corsOrigins,
      // A reconnecting cross-origin EventSource may send Last-Event-ID in a preflight.
      allowedHeaders: ["Content-Type", "Last-Event-ID"],
      // Let the page's fetch() read which instance took its signup.
      exposedHeaders: ["X-Instance"],
    }),
  );

  app.get("/", (_req, res) => {
    res.send("hello!");
  });

  app.get("/stream", (req, res) => {
    // 204: stop for good, no body (any non-200 stops it too). EventSource turns CLOSED and fires error.
    if (ended) {
      res.status(204).end();
      return;
    }
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    // nginx (and proxies that copy its convention) buffers responses by default: events
    // would sit there until a buffer fills. This header turns buffering off for this response
    // only; nginx obeys it and strips it, so the client never sees it.
    res.setHeader("X-Accel-Buffering", "no");
    // HEAD asks for the headers only: answer them and end, without counting a client.
    if (req.method === "HEAD") {
      res.flushHeaders();
      res.end();
      return;
    }
    // retry first: it sends the headers (so 'open' fires) and sets the client's delay.
    res.write(encodeEvent({ retry: options.retryMs }));

    // #region exactly-once
    // Every event goes out at most once per stream, in id order: replay and live delivery
    // overlap, and this instance's read loop may even lag behind the client's id.
    let lastSentId: string | undefined;
    const send = (event: BrokerEvent) => {
      if (lastSentId !== undefined && !isAfter(event.id, lastSentId)) return;
      lastSentId = event.id;
      writeOrCut(res, frameOf(event));
    };
    // Subscribe before replaying, and hold live events back until the replay is written:
    // an event published meanwhile is then in one of the two, or both, never in neither.
    let heldBack: BrokerEvent[] | undefined = [];
    const unsubscribe = broker.subscribe((event) =>
      heldBack ? heldBack.push(event) : send(event),
    );
    streams.add(res);
    res.on("close", () => {
      unsubscribe();
      streams.delete(res);
    });

    const lastEventId = req.get("Last-Event-ID");
    const replay = lastEventId ? broker.replayAfter(lastEventId) : Promise.resolve(undefined);
    replay.then(
      (resume) => {
        if (resume?.kind === "reset") {
          // Tell the client it cannot have a gap-free stream, then send what is still kept.
          // JSON.stringify escapes anything odd in the id; slice keeps a 10 KB id out of the reply.
          const id = String(lastEventId).slice(0, 40);
          writeOrCut(
            res,
            encodeEvent({
              event: "reset",
              data: JSON.stringify({ reason: resume.reason, lastEventId: id }),
            }),
          );
        }
        for (const event of resume?.events ?? []) send(event);
        const live = heldBack ?? [];
        heldBack = undefined;
        for (const event of live) send(event);
      },
      () => {
        // The broker cannot replay right now (Redis is away). End the stream: the client
        // retries after retryMs with the same Last-Event-ID, and nothing is skipped.
        res.end();
      },
    );
    // #endregion
  });

  // Only JSON changes state: see "Why CORS does not protect POST /stream/end" in lab 03's README.
  app.post(
    "/signup",
    requireJson,
    express.json({ limit: options.maxBodyBytes }),
    async (req, res) => {
      const name: unknown = req.body?.name;
      if (typeof name !== "string" || name.trim() === "") {
        res
          .status(400)
          .json({ error: 'send JSON like {"name": "Ada"}: name must be a non-empty string' });
        return;
      }
      if (name.length > options.maxNameLength) {
        res.status(400).json({ error: `name must be at most ${options.maxNameLength} characters` });
        return;
      }
      try {
        const id = await broker.publish({
          event: "signup",
          data: JSON.stringify({ name, instance: options.instanceName }),
        });
        // Accepted: stored in the broker, on its way to every instance's clients.
        res.status(202).json({ id });
      } catch (error) {
        if (!(error instanceof BrokerUnavailableError)) throw error;
        // Say so rather than pretend: the event is not acknowledged, the caller may retry.
        // (If Redis went down mid-command the event may still have been stored: a retry can
        // then repeat it. Only a 202 is a promise.)
        res.status(503).json({ error: "the event broker is unavailable; try again shortly" });
      }
    },
  );

  // #region end-of-stream
  // The broadcast is over: close every stream, and answer 204 to every reconnect,
  // so clients end in CLOSED instead of retrying forever.
  app.post("/stream/end", requireJson, (_req, res) => {
    ended = true;
    for (const stream of streams) stream.end();
    res.status(204).end();
  });
  // #endregion

  // Wrong method on a known path: 405 + Allow; unknown path: 404. JSON, not Express's HTML.
  app.use(answerUnroutedRequests(app));

  app.use(
    (
      error: { status?: number; type?: string; message: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      const status = error.status ?? 500;
      const message =
        error.type === "entity.too.large"
          ? `body too large: at most ${options.maxBodyBytes} bytes`
          : error.type === "entity.parse.failed"
            ? "body is not valid JSON"
            : status === 500
              ? "internal error"
              : error.message;
      res.status(status).json({ error: message });
    },
  );

  return {
    app,
    stats: () => ({ clients: streams.size, slowClientsCut }),
    /** End every open stream: each client gets a clean end and reconnects after retryMs. */
    endStreams: () => {
      for (const res of streams) res.end();
    },
    stop: () => {
      clearInterval(ticker);
      clearInterval(heartbeat);
    },
  };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const broker = await createBroker(options);
  const { app, stats, stop, endStreams } = createApp(options, broker);
  const server: Server = await listen(app, options.port, options.host, 6).catch(
    async (error: unknown) => {
      stop();
      await broker.close(); // no Redis connection left behind when the port is taken
      throw error;
    },
  );
  const { port } = server.address() as AddressInfo;
  let shutdown: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    /**
     * Graceful shutdown, what SIGTERM triggers: stop accepting connections (the load balancer
     * then sends new requests elsewhere), end every stream so its client reconnects — to
     * another instance — and resolve once every connection is gone, or cut the rest after
     * shutdownTimeoutMs. Calling it twice returns the same promise.
     */
    shutdown: () => {
      shutdown ??= new Promise<void>((resolve) => {
        stop();
        const cutAll = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs);
        server.close(() => {
          clearTimeout(cutAll);
          resolve();
        });
        endStreams();
        // An ended stream leaves an idle keep-alive connection: close those now, not later.
        setImmediate(() => server.closeIdleConnections());
      }).then(() => broker.close());
      return shutdown;
    },
    close: () => {
      // After a shutdown the server is already closing: just cut whatever is left.
      if (shutdown) {
        server.closeAllConnections();
        return shutdown;
      }
      return new Promise<void>((resolve, reject) => {
        stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).then(() => broker.close());
    },
  };
}

/** Options from the environment, for docker-compose.yml, `npm run lab -- 6` and the tests. */
function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<Options> {
  const number = (name: string) => (env[name] === undefined ? undefined : Number(env[name]));
  const options: Partial<Options> = {
    port: number("PORT"),
    host: env.HOST,
    instanceName: env.INSTANCE,
    intervalMs: number("INTERVAL_MS"),
    heartbeatMs: number("HEARTBEAT_MS"),
    retryMs: number("RETRY_MS"),
    historySize: number("HISTORY_SIZE"),
    redisUrl: env.REDIS_URL,
    redisBlockMs: number("REDIS_BLOCK_MS"),
    redisRetryMs: number("REDIS_RETRY_MS"),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

// HOST=0.0.0.0 lets nginx in another container (docker-compose.yml) reach the app.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = { ...defaults, ...optionsFromEnv(process.env) };
  const running = await startServer(options);
  const broker = options.redisUrl ? `Redis ${options.redisUrl}` : "memory (set REDIS_URL to share)";
  console.log(`lab06 instance ${options.instanceName} on ${running.url}, events via ${broker}`);
  // docker stop, Kubernetes and systemd all send SIGTERM first: leave cleanly, then exit.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      await running.shutdown();
      process.exit(0);
    });
  }
}
