// Lab 01 — a first event stream: the tutorial's server, made correct.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { answerUnroutedRequests, listen } from "./http-errors.ts";

export interface Options {
  port: number;
  host: string;
  /** Milliseconds between two messages. Tests use a few ms; the classroom default is 1 s. */
  intervalMs: number;
  /** Origins allowed to open the stream from a page (the Vite dev server by default). */
  corsOrigins: string[];
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  intervalMs: 1000,
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
};

export function createApp(options: Options) {
  const app = express();
  const streams = new Set<express.Response>();

  app.use(cors({ origin: options.corsOrigins }));

  app.get("/", (_req, res) => {
    res.send("hello!");
  });

  // HEAD asks for the headers only (a monitor, a link checker): answer them at once, with no
  // body and no timer. Without this route (before the GET one) Express would run the GET handler,
  // which never ends.
  app.head("/stream", (_req, res) => {
    res.setHeader("Content-Type", "text/event-stream");
    res.end();
  });

  // #region stream
  app.get("/stream", (_req, res) => {
    res.setHeader("Content-Type", "text/event-stream");
    // An event stream must never be answered from a cache.
    res.setHeader("Cache-Control", "no-cache");
    // Send the headers now, so the browser fires 'open' at once rather than on the first tick.
    res.flushHeaders();

    let count = 0;
    const timer = setInterval(() => {
      count += 1;
      res.write(`data: hello world event source #${count}\n\n`);
    }, options.intervalMs);
    streams.add(res);

    // 'close' on the response fires when the client goes away (tab closed, source.close(),
    // network gone). Without this the interval runs forever: the tutorial's leak.
    res.on("close", () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });
  // #endregion

  // Wrong method on a known path: 405 + Allow; unknown path: 404. JSON, not Express's HTML.
  app.use(answerUnroutedRequests(app));

  return { app, stats: () => ({ clients: streams.size }) };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, stats } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 1);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Open streams never end on their own: end them so close() can finish.
        server.closeAllConnections();
      }),
  };
}

// `npx tsx server.ts` runs the lab; importing it (as the tests do) does not.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({ port: Number(process.env.PORT ?? defaults.port) });
  console.log(`lab01 stream on ${url}/stream`);
}
