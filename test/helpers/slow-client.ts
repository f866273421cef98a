import type { Server } from "node:http";
import net from "node:net";
import { onCleanup } from "./cleanup.ts";

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
