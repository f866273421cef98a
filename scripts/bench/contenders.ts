// The four servers `npm run bench` compares. Each one takes SSE (or WebSocket) clients and
// broadcasts a payload it is handed already serialized — the same bytes for every contender.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { createChannel, createSession } from "better-sse";
import { WebSocketServer } from "ws";

export interface Contender {
  /** The HTTP server underneath, so the benchmark can watch its sockets. */
  server: http.Server;
  port: number;
  clients(): number;
  /** Send one payload (the event's data) to every client. */
  broadcast(payload: string): void;
  close(): Promise<void>;
}

export const contenderNames = ["lab09-express", "raw-http", "better-sse", "ws"] as const;
export type ContenderName = (typeof contenderNames)[number];

/** What each contender puts on the wire around a payload, for the report. */
export const framing: Record<ContenderName, string> = {
  "lab09-express": "data: <payload>\\n\\n (HTTP chunked)",
  "raw-http": "data: <payload>\\n\\n (HTTP chunked)",
  "better-sse": "id:<seq>\\nevent:message\\ndata:<payload>\\n\\n (HTTP chunked)",
  ws: "WebSocket text frame",
};

function listening(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Track a server's sockets, so "every connection closed" is one call. */
function trackSockets(server: http.Server) {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

function closeServer(server: http.Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The lab 09 solution, unchanged: Express + the Broadcaster the lab's TODOs build. */
async function lab09Express(track: string): Promise<Contender> {
  const file = new URL(`../../${track}/lab09-benchmark/server.ts`, import.meta.url);
  const lab = (await import(pathToFileURL(file.pathname).href)) as {
    startServer(options: object): Promise<{
      url: string;
      server: http.Server;
      broadcast(event: { data: string }): number;
      stats(): { clients: number };
      close(): Promise<void>;
    }>;
  };
  // Heartbeats off: no contender sends keep-alives during the run.
  const running = await lab.startServer({
    port: 0,
    host: "127.0.0.1",
    heartbeatMs: 0,
    maxBufferedBytes: 1024 * 1024,
  });
  return {
    server: running.server,
    port: Number(new URL(running.url).port),
    clients: () => running.stats().clients,
    broadcast: (payload) => running.broadcast({ data: payload }),
    close: () => running.close(),
  };
}

/** node:http with no framework: the floor for an SSE server in Node. */
async function rawHttp(): Promise<Contender> {
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    // writeHead only stages the headers; without a flush they wait for the first event.
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    streams.add(res);
    res.on("close", () => streams.delete(res));
  });
  const sockets = trackSockets(server);
  const port = await listening(server);
  return {
    server,
    port,
    clients: () => streams.size,
    broadcast(payload) {
      const bytes = Buffer.from(`data: ${payload}\n\n`);
      for (const res of streams) res.write(bytes);
    },
    close: () => closeServer(server, sockets),
  };
}

/** better-sse's Channel broadcast, told not to re-serialize strings or send keep-alives. */
async function betterSse(): Promise<Contender> {
  const channel = createChannel();
  let seq = 0;
  const server = http.createServer(async (req, res) => {
    res.socket?.setNoDelay(true);
    const session = await createSession(req, res, {
      keepAlive: null,
      retry: null,
      serializer: (data) => String(data),
    });
    channel.register(session);
  });
  const sockets = trackSockets(server);
  const port = await listening(server);
  return {
    server,
    port,
    clients: () => channel.sessionCount,
    // Without an eventId better-sse makes a UUID per event; a short one keeps bytes closer.
    broadcast: (payload) => {
      seq += 1;
      channel.broadcast(payload, "message", { eventId: String(seq) });
    },
    close: () => closeServer(server, sockets),
  };
}

/** ws, the WebSocket server most Node apps use: the baseline. */
async function ws(): Promise<Contender> {
  const server = http.createServer();
  // ws turns Nagle off on every socket by itself, as the SSE servers here do by hand.
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const sockets = trackSockets(server);
  const port = await listening(server);
  return {
    server,
    port,
    clients: () => wss.clients.size,
    broadcast(payload) {
      const bytes = Buffer.from(payload);
      for (const client of wss.clients) client.send(bytes, { binary: false });
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeServer(server, sockets);
    },
  };
}

export function startContender(name: ContenderName, track = "solutions"): Promise<Contender> {
  switch (name) {
    case "lab09-express":
      return lab09Express(track);
    case "raw-http":
      return rawHttp();
    case "better-sse":
      return betterSse();
    case "ws":
      return ws();
  }
}
