import { type ChildProcess, spawn } from "node:child_process";
import { acceptsConnections, freePort } from "../../tools/free-port.ts";
import { stopWithThisProcess } from "../../tools/stop-with-this-process.ts";
import { onCleanup } from "./cleanup.ts";
import { labFile, repoRoot, track } from "./track.ts";
import { delay } from "./wait-for.ts";

export interface LabProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  /** host:port, as an nginx `server` line wants it. */
  address: string;
  port: number;
  pid: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Send a signal (SIGKILL: a crash, no goodbye) and wait until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Run a lab's server.ts in its own Node process (through tsx), as `npx tsx server.ts` would,
 * configured by environment variables. Unlike startLab(), the test can SIGKILL it: a real crash,
 * with no close() and no goodbye on its sockets. Stopped after the test.
 */
export async function startLabProcess(
  lab: string,
  env: Record<string, string | number> = {},
  options: { startTimeoutMs?: number } = {},
): Promise<LabProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", labFile(lab, "server.ts")],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)])),
        PORT: String(port),
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // SIGKILL: SIGTERM would start a lab's graceful shutdown, which may wait for its streams.
  stopWithThisProcess(child, "SIGKILL");
  let output = "";
  child.stdout?.on("data", (bytes: Buffer) => {
    output += bytes.toString();
  });
  child.stderr?.on("data", (bytes: Buffer) => {
    output += bytes.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (running()) child.kill(signal);
    await exited;
  };
  onCleanup(() => kill("SIGKILL"));

  // Generous: a working server listens in about a second, but Node with tsx took 8.4 s to
  // start on a 2-core machine under a load of 20. A passing run never waits this long.
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await acceptsConnections(port))) {
    if (!running() || Date.now() > deadline) {
      await kill("SIGKILL");
      throw new Error(`${track}/${lab}/server.ts did not listen on port ${port}:\n${output}`);
    }
    await delay(20);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    output: () => output,
    kill,
  };
}
