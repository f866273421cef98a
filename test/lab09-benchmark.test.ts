import net from "node:net";
import { Writable } from "node:stream";
import request from "supertest";
import { describe, expect, test } from "vitest";
import {
  activeTimers,
  connect,
  importLab,
  onCleanup,
  openConnections,
  parseEventStream,
  type RunningLab,
  readRawStream,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab09-benchmark";

interface Lab09 extends RunningLab {
  broadcast(event: { data: string; event?: string }): number;
  stats(): { clients: number; broadcasts: number; slowClientsCut: number; bufferedBytes: number };
}

interface BroadcasterModule {
  Broadcaster: new (options: {
    maxBufferedBytes: number;
    heartbeatMs: number;
    log?: (line: string) => void;
  }) => {
    add(client: Writable): void;
    broadcast(event: { data: string; event?: string }): number;
    stats(): { clients: number; slowClientsCut: number };
    close(): void;
  };
}

/** A real Writable that keeps every chunk it is given, as it was given (no copy). */
function recordingClient() {
  const chunks: unknown[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    decodeStrings: false,
  });
  return { stream, chunks };
}

/** A raw socket that asks for the stream and then never reads: a frozen tab, a stalled proxy. */
async function neverReadingClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET /stream HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  socket.pause();
  onCleanup(() => socket.destroy());
}

/** A raw socket that reads the stream and notes whether a `: ping` comment has arrived. */
async function pingReadingClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET /stream HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
  });
  onCleanup(() => socket.destroy());
  return { pinged: () => text.includes(": ping"), destroy: () => socket.destroy() };
}

describe("lab09 — encode once per broadcast", () => {
  test("TODO 1 · every client is handed the very same bytes, encoded once per broadcast", async () => {
    const { Broadcaster } = await importLab<BroadcasterModule>(lab, "broadcaster.ts");
    const broadcaster = new Broadcaster({ maxBufferedBytes: 64 * 1024, heartbeatMs: 0 });
    const clients = Array.from({ length: 5 }, recordingClient);
    for (const client of clients) broadcaster.add(client.stream);
    for (let i = 1; i <= 3; i++) broadcaster.broadcast({ data: `event ${i}` });
    broadcaster.close();

    const first = clients[0]?.chunks ?? [];
    expect(first.length, "each client should get one write per broadcast").toBe(3);
    expect(
      first.every((chunk) => Buffer.isBuffer(chunk)),
      "lab09 TODO 1: write a Buffer (Buffer.from(encodeEvent(event))), so Node does not turn the same text into bytes once per client",
    ).toBe(true);
    const sameObject = clients.every((client) =>
      client.chunks.every((chunk, i) => chunk === first[i]),
    );
    expect(
      sameObject,
      "lab09 TODO 1: encode before the loop: all 5 clients should be handed the very same Buffer for a broadcast, not 5 copies",
    ).toBe(true);
    expect(Buffer.from(first[0] as Buffer).toString(), "the bytes are an SSE event").toBe(
      "data: event 1\n\n",
    );
  });

  test("every client gets every broadcast once, in order", async () => {
    const server = await startLab<Lab09>(lab, { heartbeatMs: 0 });
    const clients = Array.from({ length: 10 }, () => connect(`${server.url}/stream`));
    await Promise.all(clients.map((client) => client.waitForOpen("the stream should open")));
    for (let seq = 1; seq <= 50; seq++) server.running.broadcast({ data: String(seq) });
    const expected = Array.from({ length: 50 }, (_, i) => String(i + 1));
    for (const client of clients) {
      await client.waitForEvents(50, "every client should receive all 50 broadcasts");
      expect(client.data(), "each broadcast once, in order").toEqual(expected);
    }
  });
});

describe("lab09 — a client that stops reading", () => {
  test("TODO 2 · a client that never reads is cut at the cap; the others get everything", async () => {
    const cap = 16 * 1024;
    const server = await startLab<Lab09>(lab, { heartbeatMs: 0, maxBufferedBytes: cap });
    await neverReadingClient(server.url);
    const reader = connect(`${server.url}/stream`);
    await reader.waitForOpen("the reading client should open");
    await waitFor(() => server.running.stats().clients === 2, {
      message: "both clients should be registered",
      timeoutMs: 2000,
    });

    // Loopback sockets absorb a few MB in the kernel before Node starts to hold bytes, so
    // send 8 KB events, one per turn of the event loop (Node sends a turn's writes together),
    // until the frozen client is cut — or until its backlog shows it never will be.
    const payload = "x".repeat(8 * 1024);
    let sent = 0;
    let maxBuffered = 0;
    while (server.running.stats().slowClientsCut === 0 && sent < 4096 && maxBuffered < 4 * cap) {
      server.running.broadcast({ data: `${sent} ${payload}` });
      sent += 1;
      maxBuffered = Math.max(maxBuffered, server.running.stats().bufferedBytes);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(
      server.running.stats().slowClientsCut,
      `lab09 TODO 2: the frozen client has ${maxBuffered} bytes waiting in server memory, over the ${cap}-byte cap, and is still connected: after each write check client.writableLength and destroy a client over maxBufferedBytes`,
    ).toBe(1);
    await waitFor(async () => (await openConnections(server.server)) === 1, {
      message: "lab09 TODO 2: the cut client's connection should be closed (client.destroy())",
      timeoutMs: 2000,
    });
    await reader.waitForEvents(sent, "the client that reads should still get every event", {
      timeoutMs: 10_000,
    });
    expect(reader.events.at(-1)?.data.split(" ")[0], "…the last one included").toBe(
      String(sent - 1),
    );
  });
});

describe("lab09 — per-connection state", () => {
  test("TODO 3 · one heartbeat timer serves every client, and it stops when the last one leaves", async () => {
    const before = activeTimers();
    const server = await startLab<Lab09>(lab, { heartbeatMs: 40 });
    // Raw sockets: unlike an SSE client library they start no timer of their own to count.
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => pingReadingClient(server.url)),
    );
    await waitFor(() => server.running.stats().clients === 20, {
      message: "20 clients should be connected",
      timeoutMs: 3000,
    });
    const timers = activeTimers() - before;
    expect(
      timers,
      `lab09 TODO 3: 20 clients hold ${timers} heartbeat timers; one shared timer should serve them all`,
    ).toBeLessThanOrEqual(1);
    await waitFor(() => clients.every((client) => client.pinged()), {
      message: "lab09 TODO 3: every client should still get the `: ping` heartbeat",
      timeoutMs: 2000,
      describe: () => `${clients.filter((client) => client.pinged()).length} of 20 got one`,
    });
    for (const client of clients) client.destroy();
    await waitFor(() => server.running.stats().clients === 0, {
      message: "the clients left; the server should forget them",
      timeoutMs: 2000,
    });
    await waitFor(() => activeTimers() <= before, {
      message:
        "lab09 TODO 3: every client has left, but a heartbeat timer still runs: stop it when the last client leaves",
      timeoutMs: 1000,
      describe: () => `${activeTimers() - before} timer(s) left`,
    });
  });
});

describe("lab09 — the HTTP edges", () => {
  // HEAD, 405, 404, 415 and a port in use: lab09-benchmark.hardening.test.ts.
  test("a broadcast with bad JSON gets a clear 4xx", async () => {
    const { url } = await startLab<Lab09>(lab, { heartbeatMs: 0 });
    expect((await request(url).post("/broadcast").send({ data: 1 })).status).toBe(400);
    expect((await request(url).post("/broadcast").send({ data: "a", event: "x\ny" })).status).toBe(
      400,
    );
    const big = await request(url)
      .post("/broadcast")
      .send({ data: "x".repeat(20_000) });
    expect(big.status).toBe(413);
  });

  test("a broadcast's newlines stay inside one event", async () => {
    const { url } = await startLab<Lab09>(lab, { heartbeatMs: 0 });
    const stream = readRawStream(`${url}/stream`, {
      until: (text) => parseEventStream(text).events.length >= 1,
    });
    await waitFor(async () => (await request(url).get("/")).status === 200, {
      message: "server up",
    });
    // Give the stream a moment to register before publishing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await request(url).post("/broadcast").send({ data: "line one\n\nevent: admin\ndata: forged" });
    const { events } = parseEventStream((await stream).text);
    expect(events).toHaveLength(1);
    expect(events[0]?.event).toBeUndefined();
    expect(events[0]?.data).toBe("line one\n\nevent: admin\ndata: forged");
  });
});
