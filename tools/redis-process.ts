// redis-server as a child process, for the tests (redis.ts) and for `npm run lab -- 6`.
// No vitest here: scripts import this file too.
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { findProgram } from "./find-program.ts";
import { stopWithThisProcess } from "./stop-with-this-process.ts";

export interface RunningRedis {
  /** redis://127.0.0.1:PORT, for createClient({ url }). */
  url: string;
  port: number;
  /** The dir that holds the append-only file; it survives stop() and restart(). */
  dir: string;
  /** Pid of the current redis-server, or undefined while it is stopped. */
  pid(): number | undefined;
  /** Shut down cleanly (SIGTERM: Redis flushes its append-only file first), as an outage would. */
  stop(): Promise<void>;
  /** Start again on the same port and dir; the stream written before stop() is still there. */
  restart(): Promise<void>;
}

const installHint =
  "redis-server is needed for lab 06 and its tests, and was not found. Install it: " +
  "Debian/Ubuntu `sudo apt-get install -y redis-server`, macOS `brew install redis` " +
  "(or point REDIS_SERVER_BIN at the binary).";

/** The redis-server binary: REDIS_SERVER_BIN, else the PATH, else Debian's /usr/bin. */
export function findRedisServer(): string {
  return findProgram({
    envVar: "REDIS_SERVER_BIN",
    names: ["redis-server"],
    knownPaths: ["/usr/bin/redis-server"],
    installHint,
  });
}

/**
 * Run a real redis-server in the foreground as our child, on `port` with its files in `dir`,
 * append-only persistence on (a restart keeps the stream), no RDB snapshots. Resolves once it
 * answers PING. The caller stops it.
 */
export async function launchRedis(
  port: number,
  dir: string,
  options: { startTimeoutMs?: number } = {},
): Promise<RunningRedis> {
  const binary = findRedisServer();
  const startTimeoutMs = options.startTimeoutMs ?? 5000;
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
    // appendonly: every write goes to a log replayed on start. save "": no RDB snapshots.
    args.push("--appendonly", "yes", "--save", "", "--daemonize", "no");
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    stopWithThisProcess(started);
    child = started;
    started.stdout?.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    started.stderr?.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    const deadline = Date.now() + startTimeoutMs;
    while (!(await answersPing(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill("SIGKILL");
        throw new Error(
          `redis-server did not answer PING on port ${port}:\n${output.slice(-2000)}`,
        );
      }
      await delay(20);
    }
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** One raw PING over TCP: true once Redis answers +PONG (it refuses or says LOADING before). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (bytes) => {
      reply += bytes.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}
