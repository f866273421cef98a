// Lab 04 — behind a reverse proxy: lab 03's server, telling nginx not to hold the stream back.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { encodeEvent } from "./encode-event.ts";
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

  app.use(
    cors({
      origin: options.corsOrigins,
      // A reconnecting cross-origin EventSource may send Last-Event-ID in a preflight.
      allowedHeaders: ["Content-Type", "Last-Event-ID"],
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
    // TODO 1: send `X-Accel-Buffering: no`. nginx buffers responses by default, so events sit
    // in nginx until a buffer fills; this header turns buffering off for this response.

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
    const delivered = publish({ event: "signup", data: JSON.stringify({ name }) });
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
    stop: () => clearInterval(ticker),
  };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, stats, stop } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 4).catch((error) => {
    stop(); // its timers: a server that never listened must not keep the process running
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// HOST=0.0.0.0 lets nginx in another container (docker-compose.yml) reach the app.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({
    port: Number(process.env.PORT ?? defaults.port),
    host: process.env.HOST ?? defaults.host,
  });
  console.log(`lab04 app on ${url}/stream (open it through nginx: npm run lab -- 4)`);
}
