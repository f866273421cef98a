import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../tools/free-port.ts";
import { launchRedis, type RunningRedis } from "../../tools/redis-process.ts";
import { onCleanup } from "./cleanup.ts";

export { findRedisServer, type RunningRedis } from "../../tools/redis-process.ts";

/**
 * Start a real redis-server on a free port, in its own temp dir, with append-only
 * persistence on so that a restart keeps the stream (the outage test relies on it).
 * It runs in the foreground as our child and is stopped by pid after the test.
 * A missing binary fails with the command that installs it.
 */
export async function startRedis(options: { startTimeoutMs?: number } = {}): Promise<RunningRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "sse-redis-"));
  const redis = await launchRedis(await freePort(), dir, options).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  onCleanup(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}
