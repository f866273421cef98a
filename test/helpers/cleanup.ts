import { afterEach } from "vitest";

type Cleanup = () => unknown | Promise<unknown>;
const cleanups: Cleanup[] = [];

/**
 * Register something to undo after the current test: close a client, stop a server.
 * Every helper that opens something registers its own cleanup, so a failing test
 * never leaves a reconnect timer or a listening socket behind to keep Node alive.
 */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

export async function runCleanups(): Promise<void> {
  const errors: unknown[] = [];
  // Last opened, first closed: clients go before the servers they talk to.
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

afterEach(runCleanups);
