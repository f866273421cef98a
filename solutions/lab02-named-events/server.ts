// Lab 02 — named events: a `signup` event broadcast to every client, encoded safely.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { encodeComment, encodeEvent, type ServerSentEvent } from "./encode-event.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";

export interface Options {
  port: number;
  host: string;
  /** Milliseconds between two tick messages. */
  intervalMs: number;
  corsOrigins: string[];
  /** Largest POST /signup body accepted, in bytes. */
  maxBodyBytes: number;
  /** Longest name accepted by POST /signup, in characters. */
  maxNameLength: number;
  /** Most bytes a client may leave unread before it is cut (see "A client that stops reading"). */
  maxBufferedBytes: number;
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  intervalMs: 1000,
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  maxBodyBytes: 1024,
  maxNameLength: 100,
  maxBufferedBytes: 256 * 1024,
};

export function createApp(options: Options) {
  const app = express();
  const streams = new Set<express.Response>();
  let slowClientsCut = 0;

  /** Write to one client, and cut it if it has stopped reading (README: "A client that…"). */
  // write() never refuses: for a client that does not read, Node keeps the bytes
  // (res.writableLength) and returns false. Ignored, that grows until the process dies.
  // #region slow-clients
  function writeOrCut(res: express.Response, frame: string) {
    if (res.destroyed) return;
    res.write(frame);
    if (res.writableLength > options.maxBufferedBytes) {
      slowClientsCut += 1;
      console.warn(`cut a client that stopped reading (${res.writableLength} bytes unread)`);
      res.destroy(); // frees what it held now; EventSource reconnects when it wakes up
    }
  }
  // #endregion

  function broadcast(event: ServerSentEvent) {
    // Encode once, write the same bytes to every client.
    const frame = encodeEvent(event);
    for (const res of streams) writeOrCut(res, frame);
    return streams.size;
  }

  app.use(cors({ origin: options.corsOrigins }));

  app.get("/", (_req, res) => {
    res.send("hello!");
  });

  app.get("/stream", (req, res) => {
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    // HEAD asks for the headers only: answer them and end, without counting a client.
    if (req.method === "HEAD") {
      res.flushHeaders();
      res.end();
      return;
    }
    // A comment as the first bytes: clients ignore it, and it sends the headers at once.
    writeOrCut(res, encodeComment("connected"));

    let count = 0;
    const timer = setInterval(() => {
      count += 1;
      writeOrCut(res, encodeEvent({ data: `hello world event source #${count}` }));
    }, options.intervalMs);
    streams.add(res);

    res.on("close", () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });

  // #region signup
  // requireJson refuses anything but JSON (415: see http-errors.ts). express.json refuses
  // bodies over the limit (413) and invalid JSON (400) before we run.
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
    // JSON.stringify escapes line breaks, and encodeEvent would split any that remained:
    // whatever the name holds, it arrives as data of one `signup` event.
    const delivered = broadcast({ event: "signup", data: JSON.stringify({ name }) });
    res.status(202).json({ delivered });
  });
  // #endregion

  // Wrong method on a known path: 405 + Allow; unknown path: 404. JSON, not Express's HTML.
  app.use(answerUnroutedRequests(app));

  // Errors from express.json (too large, not JSON) answer as JSON, like every other error here.
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

  return { app, broadcast, stats: () => ({ clients: streams.size, slowClientsCut }) };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, stats } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 2);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({ port: Number(process.env.PORT ?? defaults.port) });
  console.log(`lab02 stream on ${url}/stream — POST ${url}/signup {"name": "Ada"}`);
}
