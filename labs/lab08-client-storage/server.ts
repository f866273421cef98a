// Lab 08 — a news feed that survives reloads. The server: numbered news, a bounded history,
// and a resume point taken from the Last-Event-ID header or, for a page just opened, the query.
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
  /** Milliseconds between two wire-service headlines; 0 publishes none. */
  intervalMs: number;
  corsOrigins: string[];
  maxBodyBytes: number;
  maxTitleLength: number;
  /** How many news items the server keeps for pages that come back. */
  historySize: number;
  /** The reconnection delay the server asks browsers to use, in ms. */
  retryMs: number;
  /** A client whose unsent bytes pile up beyond this (it stopped reading) is cut. */
  maxBufferedBytes: number;
  /** Headlines the server holds when it starts, ids 1..n. A real feed loads them from its
   * database, so the ids a page stored still mean the same items after a restart. */
  initialNews: string[];
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  intervalMs: 15_000,
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  maxBodyBytes: 1024,
  maxTitleLength: 200,
  historySize: 100,
  retryMs: 1000,
  maxBufferedBytes: 256 * 1024,
  initialNews: [
    "Server-Sent Events turn 20",
    "Browsers keep 6 connections per origin on HTTP/1.1",
    "IndexedDB: a database in every browser",
    "Proxies that buffer: still a thing",
    "Local weather: sunny, with a chance of reconnects",
  ],
};

/** What a page stores: the id comes from the event's `id:` line, the rest from its data. */
export interface NewsData {
  title: string;
  publishedAt: string;
}

function frameOf(event: StoredEvent): string {
  return encodeEvent({ event: event.event, data: event.data, id: String(event.id) });
}

// #region resume-id
/**
 * Where a client wants to resume from. EventSource's own reconnects send the header; a page
 * just opened cannot set headers, so it puts its largest stored id in `?lastEventId=`. The
 * header wins: a reconnect reuses the page's first URL, whose query id is out of date by then.
 */
export function resumeIdOf(req: express.Request): string | undefined {
  // TODO 1: when the header is missing or empty, return the query's id instead: String(req.query.lastEventId),
  // but only if there is one (with neither, return undefined: String(undefined) is the malformed id "undefined").
  // A repeated `?lastEventId=1&lastEventId=2` arrives as an array, which String() makes the malformed "1,2".
  return req.get("Last-Event-ID");
}
// #endregion

export function createApp(options: Options) {
  const app = express();
  const streams = new Set<express.Response>();
  const history = new EventHistory(options.historySize);
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

  /** Every item gets the next id and a place in the history before anyone sees it. */
  function publish(title: string) {
    const data: NewsData = { title, publishedAt: new Date().toISOString() };
    const stored = history.add({ event: "news", data: JSON.stringify(data) });
    // Serialized once, the same string for every client.
    const frame = frameOf(stored);
    for (const res of streams) writeOrCut(res, frame);
    return stored.id;
  }

  for (const title of options.initialNews) publish(title);
  let wireNumber = 0;
  const ticker =
    options.intervalMs > 0
      ? setInterval(() => {
          wireNumber += 1;
          publish(`Wire: headline #${wireNumber}`);
        }, options.intervalMs)
      : undefined;

  app.use(
    cors({
      origin: options.corsOrigins,
      // A reconnecting cross-origin EventSource may send Last-Event-ID in a preflight;
      // publishing sends JSON, which is preflighted too.
      allowedHeaders: ["Content-Type", "Last-Event-ID"],
    }),
  );

  app.get("/stream", (req, res) => {
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    if (req.method === "HEAD") {
      // Express routes HEAD to GET: answer with the headers alone, no stream, no client.
      res.flushHeaders();
      res.end();
      return;
    }
    // retry first: it sends the headers (so 'open' fires) and sets the browser's delay.
    res.write(encodeEvent({ retry: options.retryMs }));

    // #region resume
    const lastEventId = resumeIdOf(req);
    // A new reader (no id) counts as one that saw nothing, id 0: it gets every item held, so a
    // news page opened for the first time shows the latest headlines, not an empty list.
    const resume = history.resumeAfter(lastEventId || "0");
    if (resume.kind === "reset" && lastEventId) {
      // The page cannot fill its store without a gap: it should start over with what follows.
      // JSON.stringify escapes anything odd in the id; slice keeps a 10 KB id out of the reply.
      const data = JSON.stringify({ reason: resume.reason, lastEventId: lastEventId.slice(0, 40) });
      writeOrCut(res, encodeEvent({ event: "reset", data }));
    }
    if (resume.kind !== "fresh") for (const event of resume.events) writeOrCut(res, frameOf(event));
    // #endregion

    streams.add(res);
    res.on("close", () => streams.delete(res));
  });

  // Only JSON publishes: a form or text/plain POST from a foreign page needs no preflight (CSRF).
  app.post("/news", requireJson, express.json({ limit: options.maxBodyBytes }), (req, res) => {
    const title: unknown = req.body?.title;
    if (typeof title !== "string" || title.trim() === "") {
      res.status(400).json({ error: 'send JSON like {"title": "…"}: a non-empty string' });
      return;
    }
    if (title.length > options.maxTitleLength) {
      res.status(400).json({ error: `title must be at most ${options.maxTitleLength} characters` });
      return;
    }
    const id = publish(title);
    res.status(202).json({ id, delivered: streams.size });
  });

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
  const { app, publish, stats, stop } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 8).catch((error) => {
    stop(); // its timers: a server that never listened must not keep the process running
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    publish,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({ port: Number(process.env.PORT ?? defaults.port) });
  console.log(
    `lab08 news on ${url}/stream — publish: curl -X POST ${url}/news -H 'Content-Type: application/json' -d '{"title":"Hello"}'`,
  );
}
