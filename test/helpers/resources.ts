import { onCleanup } from "./cleanup.ts";

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

/**
 * Watch the intervals started from now on (by the lab or anyone in this process) and which of
 * them were cleared. `running()` counts those still running: exact where activeTimers() is
 * blurred by other timers coming and going (a helper's pending timeout, a client's retry).
 * Stops watching after the test.
 */
export function trackIntervals(): { running(): number } {
  const started = new Set<unknown>();
  const originalSet = globalThis.setInterval;
  const originalClearInterval = globalThis.clearInterval;
  const originalClearTimeout = globalThis.clearTimeout;
  const forget = (handle: unknown) => {
    for (const timer of started)
      if (timer === handle || Number(timer) === handle) started.delete(timer);
  };
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = originalSet(...args);
    started.add(timer);
    return timer;
  }) as typeof setInterval;
  globalThis.clearInterval = ((handle?: Parameters<typeof clearInterval>[0]) => {
    forget(handle);
    originalClearInterval(handle);
  }) as typeof clearInterval;
  // clearTimeout stops an interval too.
  globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
    forget(handle);
    originalClearTimeout(handle);
  }) as typeof clearTimeout;
  onCleanup(() => {
    globalThis.setInterval = originalSet;
    globalThis.clearInterval = originalClearInterval;
    globalThis.clearTimeout = originalClearTimeout;
  });
  return { running: () => started.size };
}
