// Lab 05 — behind a load balancer: several instances of lab 04's server behind one nginx.
// Each instance says who it is, keeps quiet streams alive with heartbeats, and shuts down
// gracefully so its clients reconnect to another instance.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { encodeComment, encodeEvent } from "./encode-event.ts";
import { EventHistory, type StoredEvent } from "./event-history.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";

export interface Options {
  port: number;
  host: string;
  /** Milliseconds between two tick messages; 0 sends none. */
  intervalMs: number;
  corsOrigins: string[];
  maxBodyBytes: number;
  maxNameLength: number;
  /** How many past events the server keeps for clients that reconnect. */
  historySize: number;
  /** The reconnection delay the server asks clients to use, in ms. */
  retryMs: number;
  /** Most unread bytes a client may hold before it is cut (lab 02: a client that stops reading). */
  maxBufferedBytes: number;
  /** The name this instance gives in the X-Instance header and in every event. */
  instanceName: string;
  /** Milliseconds between two `: ping` comments on every stream; 0 sends none.
   *  Keep it well under the proxy's idle timeout (nginx proxy_read_timeout: 60 s by default). */
  heartbeatMs: number;
  /** How long a graceful shutdown waits for open requests before cutting them. */
  shutdownTimeoutMs: number;
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
  maxBufferedBytes: 256 * 1024,
  instanceName: "app",
  heartbeatMs: 15_000,
  shutdownTimeoutMs: 5000,
};

function frameOf(event: StoredEvent): string {
  return encodeEvent({ event: event.event, data: event.data, id: String(event.id) });
}

export function createApp(options: Options) {
  const app = express();
  const streams = new Set<express.Response>();
  const history = new EventHistory(options.historySize);
  let ended = false;
  let slowClientsCut = 0;

  /** Write to one client, and cut it if it has stopped reading (lab 02). */
  function writeOrCut(res: express.Response, frame: string) {
    if (res.destroyed) return;
    res.write(frame);
    if (res.writableLength > options.maxBufferedBytes) {
      slowClientsCut += 1;
      console.warn(`cut a client that stopped reading (${res.writableLength} bytes unread)`);
      res.destroy(); // it reconnects with Last-Event-ID and gets what it missed from the history
    }
  }

  /** Every event gets the next id and a place in the history before anyone sees it. */
  function publish(event: { event?: string; data: string }) {
    const frame = frameOf(history.add(event));
    for (const res of streams) writeOrCut(res, frame);
    return streams.size;
  }

  const ticker =
    options.intervalMs > 0
      ? setInterval(
          () => publish({ data: `tick at ${new Date().toISOString()}` }),
          options.intervalMs,
        )
      : undefined;

  // TODO 2: name this instance: set the header `X-Instance: <options.instanceName>` on every
  // response (a middleware here), and add the name to every event — ticks end with
  // `from <instanceName>`, signups carry {"name", "instance"}.

  // TODO 3: every options.heartbeatMs (if > 0), send the comment `: ping` to every open
  // stream with writeOrCut(res, encodeComment("ping")), so nginx's proxy_read_timeout never
  // sees a quiet stream. One timer for all streams, cleared in stop(): a client that leaves
  // must leave nothing behind.
  const heartbeat: NodeJS.Timeout | undefined = undefined;
  void encodeComment;

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

    // #region resume
    const resume = history.resumeAfter(req.get("Last-Event-ID"));
    if (resume.kind === "reset") {
      // Tell the client it cannot have a gap-free stream, then send what we still hold.
      // JSON.stringify escapes anything odd in the id; slice keeps a 10 KB id out of the reply.
      const lastEventId = String(req.get("Last-Event-ID")).slice(0, 40);
      writeOrCut(
        res,
        encodeEvent({
          event: "reset",
          data: JSON.stringify({ reason: resume.reason, lastEventId }),
        }),
      );
    }
    if (resume.kind !== "fresh") for (const event of resume.events) writeOrCut(res, frameOf(event));
    // #endregion

    streams.add(res);
    res.on("close", () => streams.delete(res));
  });

  // Only JSON changes state: see "Why CORS does not protect POST /stream/end" in lab 03's README.
  app.post("/signup", requireJson, express.json({ limit: options.maxBodyBytes }), (req, res) => {
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
    const delivered = publish({
      event: "signup",
      data: JSON.stringify({ name }),
    });
    res.status(202).json({ delivered });
  });

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
    publish,
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
  const { app, stats, stop, endStreams } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 5).catch((error) => {
    stop(); // its timers: a server that never listened must not keep the process running
    throw error;
  });
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
        // TODO 5: end every open stream (endStreams()), then close the idle keep-alive
        // connections they leave behind (server.closeIdleConnections(), on the next tick).
        // Until then the streams stay open: clients do not move, and shutdown waits its timeout.
        void endStreams;
      });
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
      });
    },
  };
}

// HOST=0.0.0.0 lets nginx in another container (docker-compose.yml) reach the app.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const running = await startServer({
    port: Number(process.env.PORT ?? defaults.port),
    host: process.env.HOST ?? defaults.host,
    instanceName: process.env.INSTANCE ?? defaults.instanceName,
    heartbeatMs: Number(process.env.HEARTBEAT_MS ?? defaults.heartbeatMs),
  });
  console.log(`lab05 instance ${running.url} (${process.env.INSTANCE ?? defaults.instanceName})`);
  // docker stop, Kubernetes and systemd all send SIGTERM first: leave cleanly, then exit.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      await running.shutdown();
      process.exit(0);
    });
  }
}
