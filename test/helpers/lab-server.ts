import type { Server } from "node:http";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { onCleanup } from "./cleanup.ts";
import { labFile, track } from "./track.ts";

/** What every lab's server.ts returns from `startServer(options)`. */
export interface RunningLab {
  url: string;
  server: Server;
  close(): Promise<void>;
  stats(): Record<string, number>;
}

export interface StartedLab<T extends RunningLab = RunningLab> {
  /** The lab's own handle, e.g. lab.running.stats(). */
  running: T;
  url: string;
  server: Server;
  /** Cut every TCP connection from the server side, as a crash or a network drop would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Import `<track>/<lab>/<file>` (server.ts unless told otherwise), the student's copy by default. */
export async function importLab<T = Record<string, unknown>>(
  lab: string,
  file = "server.ts",
): Promise<T> {
  return (await import(pathToFileURL(labFile(lab, file)).href)) as T;
}

/**
 * Start a lab's server on an ephemeral port (port 0) with the options a test wants,
 * usually short intervals. It is stopped after the test even if the test fails.
 */
export async function startLab<T extends RunningLab = RunningLab>(
  lab: string,
  options: Record<string, unknown> = {},
): Promise<StartedLab<T>> {
  const module = await importLab<{ startServer?: (options: object) => Promise<T> }>(lab);
  if (typeof module.startServer !== "function") {
    throw new Error(`${track}/${lab}/server.ts must export startServer(options)`);
  }
  const running = await module.startServer({ port: 0, host: "127.0.0.1", ...options });

  const sockets = new Set<Socket>();
  running.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    dropConnections();
    await withTimeout(running.close(), 2000, `${lab}: close() did not finish within 2 s`);
  };
  onCleanup(close);
  return { running, url: running.url, server: running.server, dropConnections, close };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
