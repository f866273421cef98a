// A server this process started (nginx, redis-server, a lab's Node process) must not outlive
// it. Cleanup hooks stop them normally; this is for when they do not get to run: a test run
// cancelled halfway, or a worker that exits at once. An "exit" handler may only do
// synchronous work, and kill() is synchronous.
import type { ChildProcess } from "node:child_process";

const alive = new Map<ChildProcess, NodeJS.Signals>();

process.on("exit", () => {
  for (const [child, signal] of alive) child.kill(signal);
});

/**
 * Signal `child` when this process exits, unless it has already ended. nginx wants SIGTERM:
 * its master then stops its workers (a SIGKILLed master leaves them running).
 */
export function stopWithThisProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  alive.set(child, signal);
  child.once("exit", () => alive.delete(child));
}
