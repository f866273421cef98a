// Lab 09 — a broadcast server built for many clients: the one `npm run bench` measures
// against raw node:http, better-sse and WebSocket (ws).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { Broadcaster } from "./broadcaster.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";

export interface Options {
  port: number;
  host: string;
  corsOrigins: string[];
  /** Milliseconds between two `: ping` comments; 0 sends none (the benchmark's setting). */
  heartbeatMs: number;
  /** Most bytes one client may have waiting before it is cut. */
  maxBufferedBytes: number;
  maxBodyBytes: number;
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024,
  maxBodyBytes: 16 * 1024,
};

export function createApp(options: Options) {
  const app = express();
  const broadcaster = new Broadcaster({
    maxBufferedBytes: options.maxBufferedBytes,
    heartbeatMs: options.heartbeatMs,
    log: (line) => console.warn(`lab09: ${line}`),
  });

  app.use(
    cors({
      origin: options.corsOrigins,
      allowedHeaders: ["Content-Type", "Last-Event-ID"],
    }),
  );

  app.get("/", (_req, res) => {
    res.send("hello!");
  });

  app.get("/stream", (req, res) => {
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    // A proxy in front (lab 04) must not hold events back.
    res.setHeader("X-Accel-Buffering", "no");
    // Headers now: 'open' fires at once, and HEAD gets its answer.
    res.flushHeaders();
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // Events go out as soon as they are written, not after Nagle's 40 ms.
    res.socket?.setNoDelay(true);
    broadcaster.add(res);
  });

  // Only JSON changes state: a foreign page cannot send it without a preflight the CORS
  // allowlist refuses; a form or a no-cors fetch could trigger this endpoint otherwise.
  app.post("/broadcast", requireJson, express.json({ limit: options.maxBodyBytes }), (req, res) => {
    const { data, event } = (req.body ?? {}) as { data?: unknown; event?: unknown };
    if (typeof data !== "string" || (event !== undefined && typeof event !== "string")) {
      res.status(400).json({ error: 'send JSON like {"data": "hello", "event": "news"}' });
      return;
    }
    // A line break in the name would end the `event:` field and start a forged one.
    if (event !== undefined && !/^[^\r\n]+$/.test(event)) {
      res.status(400).json({ error: "event must be a non-empty name without CR or LF" });
      return;
    }
    res.status(202).json({ delivered: broadcaster.broadcast({ data, event }) });
  });

  // Wrong method on a known path: 405 + Allow; unknown path: 404. JSON, not Express's HTML.
  app.use(answerUnroutedRequests(app));
  app.use(
    (
      error: { status?: number; type?: string },
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
            : "internal error";
      res.status(status).json({ error: message });
    },
  );

  return { app, broadcaster };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, broadcaster } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 9);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    broadcast: broadcaster.broadcast.bind(broadcaster),
    stats: () => broadcaster.stats(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        broadcaster.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({
    port: Number(process.env.PORT ?? defaults.port),
    host: process.env.HOST ?? defaults.host,
  });
  console.log(`lab09 stream on ${url}/stream — POST ${url}/broadcast {"data": "hi"}`);
}
