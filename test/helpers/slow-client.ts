import http, { type Server } from "node:http";
import net from "node:net";
import { expect } from "vitest";
import { onCleanup } from "./cleanup.ts";
import { sendRequest } from "./http-rules.ts";
import { startLab } from "./lab-server.ts";
import { connect } from "./sse-client.ts";
import { waitFor } from "./wait-for.ts";

export interface StalledClient {
  socket: net.Socket;
  /** True once the server has closed or reset the connection (seen when we finally look). */
  closedByServer(): boolean;
}

/**
 * A client that sends `GET <path>` and then never reads a byte: a frozen tab, a phone that
 * lost its signal, a reader stuck behind a full proxy. Whatever the server writes piles up in
 * the kernel's socket buffers and then in Node's (res.writableLength) until the server acts.
 */
export function openStalledClient(
  url: string,
  path = "/stream",
  headers: Record<string, string> = {},
): Promise<StalledClient> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  // Stop reading at once: bytes stay in the kernel until its buffers fill, then in the server.
  socket.pause();
  let closed = false;
  socket.on("close", () => {
    closed = true;
  });
  socket.on("error", () => {
    closed = true;
  });
  onCleanup(() => socket.destroy());
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Accept: text/event-stream",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(`${lines.join("\r\n")}\r\n\r\n`, () =>
        resolve({ socket, closedByServer: () => closed || socket.destroyed }),
      );
    });
  });
}

/**
 * Bytes the server holds for its clients right now, summed over every connection it has:
 * what Node buffers in userland because the kernel's socket buffer is full. Call it before
 * clients connect: it counts the connections it saw arrive.
 */
export function trackBufferedBytes(server: Server): () => number {
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  server.on("connection", onConnection);
  onCleanup(() => server.off("connection", onConnection));
  return () => {
    let total = 0;
    for (const socket of sockets) total += socket.writableLength;
    return total;
  };
}

/** The request that publishes one event, and the event type the stream gives it. */
export interface PublishRequest {
  /** A POST path that takes JSON and answers 202, e.g. "/signup". */
  path: string;
  /** The type of the event it publishes, e.g. "signup". */
  eventType: string;
  /** The JSON body that carries `text` (about 30 KB: the lab's length limit must allow it). */
  body(text: string): string;
}

/** Lab 02's POST /signup {"name": …}, which labs 02–07 keep. */
export const signupRequest: PublishRequest = {
  path: "/signup",
  eventType: "signup",
  body: (name) => JSON.stringify({ name }),
};

/**
 * The slow-client rule (maxBufferedBytes) on a lab with a publish endpoint (POST /signup unless
 * `publish` says otherwise): three clients that never read and one that does, then large
 * events until the server has cut the three. Checks that the cut is counted in
 * stats().slowClientsCut, that the bytes the server buffered for its clients stayed under
 * 4 × (cap + one frame), and that the reader got every event.
 * `signupTodo` names the TODO that writes the publish endpoint, blamed if it does not answer 202.
 */
export async function expectStalledClientsCut(
  lab: string,
  labOptions: Record<string, unknown> = {},
  signupTodo = "",
  publish: PublishRequest = signupRequest,
): Promise<void> {
  const prefix = lab.slice(0, 5);
  // A cap far below the classroom's 256 KB, and events close to it (a cut happens after the
  // write that crosses it): the kernel holds about 4 MB per stalled socket before Node has
  // to, so it takes ~140 signups of 30 KB to get there.
  const cap = 40 * 1024;
  const name = "x".repeat(30_000);
  const { url, server, running } = await startLab(lab, {
    intervalMs: 0,
    heartbeatMs: 0,
    ...labOptions,
    maxBufferedBytes: cap,
    maxNameLength: name.length,
    maxBodyBytes: 64 * 1024,
  });
  const stats = () => running.stats() as { clients: number; slowClientsCut?: number };
  expect(
    stats().slowClientsCut,
    `${prefix}: stats() should count the clients cut for not reading: { clients, slowClientsCut: 0 }`,
  ).toBe(0);
  const buffered = trackBufferedBytes(server);
  const reader = connect(`${url}/stream`, { eventTypes: [publish.eventType] });
  await reader.waitForOpen(`${prefix}: a reading client should connect`);
  await Promise.all([1, 2, 3].map(() => openStalledClient(url)));
  await waitFor(() => stats().clients === 4, {
    message: `${prefix}: three stalled clients and one reader should be connected`,
    describe: () => `stats() = ${JSON.stringify(stats())}`,
  });

  // One kept-alive connection for all the signups: ~200 requests, each as cheap as can be.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  onCleanup(() => agent.destroy());
  let sent = 0;
  let mostBuffered = 0;
  let frameBytes = 0;
  const signup = async () => {
    const response = await sendRequest(`${url}${publish.path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: publish.body(name),
      agent,
    });
    expect(
      response.status,
      `${prefix}${signupTodo ? ` ${signupTodo}` : ""}: POST ${publish.path} should publish and answer 202 (this check publishes with it) — request ${sent + 1} got ${response.status} ${response.text.slice(0, 80)}`,
    ).toBe(202);
    sent += 1;
    mostBuffered = Math.max(mostBuffered, buffered());
  };
  await signup();
  await reader.waitForEvents(1, `${prefix}: the reader should get the first ${publish.eventType}`, {
    type: publish.eventType,
  });
  // What one signup frame weighs on the wire, measured on what the reader got.
  frameBytes = (reader.data(publish.eventType)[0]?.length ?? 0) + 100;
  // Signups until all three stalled clients are cut (or 16 MB went out), then 50 more.
  const limit = Math.ceil((16 * 1024 * 1024) / frameBytes);
  while (stats().slowClientsCut !== 3 && sent < limit) await signup();
  expect(
    stats().slowClientsCut,
    `${prefix}: after ${sent} events of about ${frameBytes} bytes, the 3 stalled clients should be cut`,
  ).toBe(3);
  for (let i = 0; i < 50; i++) await signup();

  // Each client holds at most the cap plus the frame that crossed it.
  const bound = 4 * (cap + frameBytes);
  expect(
    mostBuffered,
    `${prefix}: bytes the server buffered for its clients should stay under ${bound} (4 clients × (cap + one frame))`,
  ).toBeLessThan(bound);
  expect(stats().slowClientsCut, `${prefix}: the reading client must never be cut`).toBe(3);
  expect(stats().clients, `${prefix}: the reading client is still connected`).toBe(1);
  await reader.waitForEvents(sent, `${prefix}: the reading client should get every event`, {
    type: publish.eventType,
    timeoutMs: 5000,
  });
  expect(reader.data(publish.eventType)).toHaveLength(sent);
}
