// A client that stops reading, measured: npx tsx scripts/slow-client-demo.ts [lab] [options]
//   lab             2..6 (default 2): which solution server to run
//   --no-cap        maxBufferedBytes = Infinity: the server as it was before the cap
//   --seconds N     how long to publish (default 20)
//   --rate N        signups per second (default 40)
//   --name-kb N     size of each signup's name in KB (default 30)
// Three sockets send GET /stream and never read; one client reads everything; signups are
// POSTed at the given rate. Every 2 s it prints what the server holds for its clients
// (the sum of socket.writableLength), the process's RSS and heap, and stats().
// Server and clients share this process: RSS includes the clients, which hold almost nothing.

import { readdirSync } from "node:fs";
import type { Server } from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const labNumber = String(args.find((arg) => /^\d+$/.test(arg)) ?? "2").padStart(2, "0");
const noCap = args.includes("--no-cap");
const seconds = flag("--seconds", 20);
const rate = flag("--rate", 40);
const nameBytes = flag("--name-kb", 30) * 1024;

const folder = readdirSync(path.join(root, "solutions")).find((name) =>
  name.startsWith(`lab${labNumber}-`),
);
if (!folder) throw new Error(`no solutions/lab${labNumber}-*`);
const { startServer } = (await import(
  pathToFileURL(path.join(root, "solutions", folder, "server.ts")).href
)) as {
  startServer(options: object): Promise<{
    url: string;
    server: Server;
    stats(): Record<string, number>;
    close(): Promise<void>;
  }>;
};

const running = await startServer({
  port: 0,
  host: "127.0.0.1",
  intervalMs: 0,
  heartbeatMs: 0,
  maxNameLength: nameBytes,
  maxBodyBytes: nameBytes + 1024,
  ...(noCap ? { maxBufferedBytes: Number.POSITIVE_INFINITY } : {}),
});
const sockets = new Set<net.Socket>();
running.server.on("connection", (socket: net.Socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
const { port } = new URL(running.url);
const request = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";

// Three clients that never read a byte, and one that reads (and drops) everything.
const stalled = [1, 2, 3].map(() => {
  const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(request));
  socket.pause();
  socket.on("error", () => {});
  return socket;
});
let readBytes = 0;
const reader = net.connect(Number(port), "127.0.0.1", () => reader.write(request));
reader.on("data", (bytes: Buffer) => {
  readBytes += bytes.length;
});
reader.on("error", () => {});

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const started = Date.now();
const report = () => {
  let buffered = 0;
  for (const socket of sockets) buffered += socket.writableLength;
  const memory = process.memoryUsage();
  console.log(
    `${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  buffered ${mb(buffered).padStart(9)}  rss ${mb(memory.rss).padStart(9)}  heap ${mb(memory.heapUsed).padStart(8)}  reader got ${mb(readBytes).padStart(9)}  stats ${JSON.stringify(running.stats())}`,
  );
};
console.log(
  `lab${labNumber}, ${noCap ? "no cap (as before)" : "maxBufferedBytes default (256 KB)"}: 3 stalled sockets, 1 reader, ${rate} signups/s of ${nameBytes / 1024} KB for ${seconds} s`,
);
report();
const body = JSON.stringify({ name: "x".repeat(nameBytes) });
const publisher = setInterval(() => {
  fetch(`${running.url}/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
  }).then(
    (response) => response.arrayBuffer(),
    () => {},
  );
}, 1000 / rate);
const reporter = setInterval(report, 2000);
setTimeout(async () => {
  clearInterval(publisher);
  clearInterval(reporter);
  report();
  for (const socket of [...stalled, reader]) socket.destroy();
  await running.close();
  process.exit(0);
}, seconds * 1000);
