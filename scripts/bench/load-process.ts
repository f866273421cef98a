// The load generator: one process (pinned to core 1 by the runner) holding every client.
// It measures at the receivers: each payload carries its send time and sequence number.
import http from "node:http";
import net from "node:net";
import { WebSocket } from "ws";
import { now, percentiles } from "./payload.ts";
import type { LoadCommand, LoadResult } from "./protocol.ts";

interface Client {
  lastSeq: number;
  close(): void;
}

const clients: Client[] = [];
const paused: net.Socket[] = [];

// Filled per measured run.
let expected = 0;
let received = 0;
let disorder = 0;
let latencies = new Float64Array(0);
let lastArrival = new Float64Array(0);
let firstSentAt = Number.POSITIVE_INFINITY;
let lastArrivalAt = 0;
let cpuAtStart = process.cpuUsage();
let wallAtStart = 0;
let wallAtEnd = 0;
let cpuAtEnd = cpuAtStart;

function onPayload(client: Client, text: string) {
  const at = now();
  const { seq, sentAt } = JSON.parse(text) as { seq: number; sentAt: number };
  if (seq !== client.lastSeq + 1) disorder += 1;
  client.lastSeq = seq;
  const latency = at - sentAt;
  if (received < latencies.length) latencies[received] = latency;
  received += 1;
  if (latency > (lastArrival[seq] ?? 0)) lastArrival[seq] = latency;
  firstSentAt = Math.min(firstSentAt, sentAt);
  lastArrivalAt = at;
  if (received === expected) {
    wallAtEnd = performance.now();
    cpuAtEnd = process.cpuUsage();
  }
}

/** An SSE client with the least work per event: split blocks, read the data line (payloads are one line). */
function openSse(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/stream", agent: false });
    request.on("error", reject);
    request.on("response", (response) => {
      const client: Client = { lastSeq: 0, close: () => request.destroy() };
      clients.push(client);
      response.setEncoding("utf8");
      let buffer = "";
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // `data:` with or without the one optional space (better-sse writes none).
          const data = block.indexOf("data:");
          if (data >= 0) {
            const start = block[data + 5] === " " ? data + 6 : data + 5;
            onPayload(client, block.slice(start));
          }
          end = buffer.indexOf("\n\n");
        }
      });
      resolve();
    });
  });
}

function openWs(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const client: Client = { lastSeq: 0, close: () => socket.terminate() };
    socket.on("error", reject);
    socket.on("open", () => {
      clients.push(client);
      resolve();
    });
    socket.on("message", (data) => onPayload(client, String(data)));
  });
}

/** A client that connects, sends its request, then never reads again: a frozen tab. */
function openPaused(kind: "sse" | "ws", port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(
        kind === "sse"
          ? `GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`
          : "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      // Read the response head, then stop reading for good.
      socket.once("data", () => {
        socket.pause();
        resolve();
      });
    });
    socket.on("error", () => {});
    paused.push(socket);
  });
}

async function connect(kind: "sse" | "ws", port: number, count: number) {
  // In batches: a burst of thousands of SYNs overflows the listen backlog.
  for (let opened = 0; opened < count; ) {
    const batch = Math.min(200, count - opened);
    await Promise.all(
      Array.from({ length: batch }, () => (kind === "sse" ? openSse(port) : openWs(port))),
    );
    opened += batch;
  }
}

function expect(sent: number) {
  expected = clients.length * sent;
  received = 0;
  disorder = 0;
  latencies = new Float64Array(expected);
  lastArrival = new Float64Array(sent + 1);
  firstSentAt = Number.POSITIVE_INFINITY;
  lastArrivalAt = 0;
  for (const client of clients) client.lastSeq = 0;
  cpuAtStart = process.cpuUsage();
  wallAtStart = performance.now();
  wallAtEnd = 0;
}

/** Wait until everything expected arrived, or nothing more came for 2 s (then it is loss). */
async function collect(): Promise<LoadResult> {
  let seen = -1;
  let quietSince = performance.now();
  while (received < expected && performance.now() - quietSince < 2000) {
    if (received !== seen) {
      seen = received;
      quietSince = performance.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (wallAtEnd === 0) {
    wallAtEnd = performance.now();
    cpuAtEnd = process.cpuUsage();
  }
  const cpu = (cpuAtEnd.user - cpuAtStart.user + cpuAtEnd.system - cpuAtStart.system) / 1000;
  return {
    clients: clients.length,
    received,
    expected,
    latency: percentiles(latencies.subarray(0, Math.min(received, latencies.length))),
    lastReceiver: percentiles(lastArrival.subarray(1)),
    spanMs: lastArrivalAt - firstSentAt,
    generatorCpu: cpu / (wallAtEnd - wallAtStart),
    disorder,
  };
}

process.on("message", async (command: LoadCommand) => {
  switch (command.type) {
    case "connect":
      await connect(command.kind, command.port, command.count);
      process.send?.({ clients: clients.length });
      break;
    case "pause-one":
      await openPaused(command.kind, command.port);
      process.send?.({ paused: paused.length });
      break;
    case "expect":
      expect(command.sent);
      process.send?.({ expected });
      break;
    case "collect":
      process.send?.(await collect());
      break;
    case "close":
      for (const client of clients) client.close();
      for (const socket of paused) socket.destroy();
      process.send?.({ type: "closed" });
      process.disconnect();
      break;
  }
});
process.send?.({ type: "ready" });
