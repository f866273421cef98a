/**
 * Count what is keeping this process busy, as Node itself sees it.
 * Used by the leak tests: the server's own counters could lie, these cannot.
 */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

export function openConnections(server: import("node:http").Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}
