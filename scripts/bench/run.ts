// npm run bench              SSE vs WebSocket, measured at the receivers (about 5 minutes)
// npm run bench -- --quick   a smaller run for class (about a minute)
//
// For each contender and each client count, three processes: the runner (this file), a
// server (pinned to core 0 where `taskset` exists) and one load generator holding every
// client (core 1). Results: docs/bench/results.json, results.md and SVG charts.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ContenderName, contenderNames, framing } from "./contenders.ts";
import type {
  LoadCommand,
  LoadResult,
  ServerCommand,
  ServerMemory,
  ServerRunResult,
} from "./protocol.ts";
import { writeReport } from "./report.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const quick = process.argv.includes("--quick");
const list = (name: string, fallback: string) => (option(name) ?? fallback).split(",");
const settings = {
  quick,
  contenders: list("contenders", contenderNames.join(",")) as ContenderName[],
  clients: list("clients", quick ? "100,1000" : "100,1000,5000").map(Number),
  payloads: list("payloads", quick ? "128" : "128,1024").map(Number),
  /** Paced run: broadcasts per second, and how many, for latency. */
  pacedRate: Number(option("rate") ?? 10),
  pacedCount: Number(option("paced") ?? (quick ? 10 : 30)),
  /** Burst run: deliveries to aim for (broadcasts × clients), for throughput. */
  burstDeliveries: Number(option("deliveries") ?? (quick ? 30_000 : 200_000)),
  /** Paused-client run: MB broadcast while one client never reads. */
  pausedMegabytes: Number(option("paused-mb") ?? (quick ? 2 : 16)),
  track: option("track") ?? "solutions",
  out: path.resolve(root, option("out") ?? "docs/bench"),
};

const hasTaskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** Start a benchmark process, pinned to `core` when taskset exists, talking over IPC. */
function startProcess(file: string, args: string[], core: number, nodeFlags: string[] = []) {
  const node = [process.execPath, ...nodeFlags, "--import", "tsx", path.join(here, file), ...args];
  const [command, ...rest] = hasTaskset ? ["taskset", "-c", String(core), ...node] : node;
  const child = spawn(command as string, rest, {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies: ((message: unknown) => void)[] = [];
  child.on("message", (message) => replies.shift()?.(message));
  const ready = new Promise<unknown>((resolve) => replies.push(resolve));
  return {
    child,
    ready,
    ask<T>(message: ServerCommand | LoadCommand): Promise<T> {
      return new Promise((resolve) => {
        replies.push(resolve as (message: unknown) => void);
        if (process.env.BENCH_DEBUG) console.error(`→ ${file} ${JSON.stringify(message)}`);
        child.send(message);
      });
    },
  };
}

function stop(processes: { child: ChildProcess }[]) {
  for (const { child } of processes) child.kill("SIGKILL");
}

// ---- progress ----
const total = settings.contenders.length * (settings.clients.length + 1);
let done = 0;
function progress(label: string) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label.padEnd(40)}`,
  );
}

export interface ConfigResult {
  contender: ContenderName;
  clients: number;
  payloadBytes: number;
  memory: {
    rssPerConnection: number;
    heapPerConnection: number;
    /** The same, from the second half of the connections only (no one-time costs). */
    rssPerConnectionSecondHalf: number;
    heapPerConnectionSecondHalf: number;
  };
  paced: { load: LoadResult; server: ServerRunResult };
  burst: {
    load: LoadResult;
    server: ServerRunResult;
    deliveredPerSecond: number;
    cpuMicrosPerDelivery: number;
    generatorBound: boolean;
  };
  valid: boolean;
  problems: string[];
}

export interface PausedResult {
  contender: ContenderName;
  megabytesSent: number;
  maxBufferedBytes: number;
  rssGrowth: number;
  othersComplete: boolean;
}

function kindOf(contender: ContenderName): "sse" | "ws" {
  return contender === "ws" ? "ws" : "sse";
}

/** A fresh server (core 0) and load generator (core 1) for one contender, both ready. */
async function startPair(contender: ContenderName) {
  const server = startProcess("server-process.ts", [contender, settings.track], 0, ["--expose-gc"]);
  const { port } = (await server.ready) as { port: number };
  const load = startProcess("load-process.ts", [], 1);
  await load.ready;
  return { server, load, port, kind: kindOf(contender) };
}

async function measure(contender: ContenderName, clients: number): Promise<ConfigResult[]> {
  const { server, load, port, kind } = await startPair(contender);
  try {
    const empty = await server.ask<ServerMemory>({ type: "memory" });
    const half = Math.floor(clients / 2);
    await load.ask({ type: "connect", kind, port, count: half });
    const halfway = await server.ask<ServerMemory>({ type: "memory" });
    await load.ask({ type: "connect", kind, port, count: clients - half });
    const full = await server.ask<ServerMemory>({ type: "memory" });
    const memory = {
      rssPerConnection: (full.rss - empty.rss) / clients,
      heapPerConnection: (full.heapUsed - empty.heapUsed) / clients,
      rssPerConnectionSecondHalf: (full.rss - halfway.rss) / (clients - half),
      heapPerConnectionSecondHalf: (full.heapUsed - halfway.heapUsed) / (clients - half),
    };

    // Warm-up, not measured: the first broadcasts pay for JIT compilation on both sides.
    await load.ask({ type: "expect", sent: 20 });
    await server.ask({
      type: "run",
      mode: "paced",
      count: 20,
      ratePerSecond: 200,
      payloadBytes: 128,
    });
    await load.ask({ type: "collect" });

    const results: ConfigResult[] = [];
    for (const payloadBytes of settings.payloads) {
      progress(`${contender} N=${clients} ${payloadBytes} B`);
      const problems: string[] = [];

      await load.ask({ type: "expect", sent: settings.pacedCount });
      const pacedServer = await server.ask<ServerRunResult>({
        type: "run",
        mode: "paced",
        count: settings.pacedCount,
        ratePerSecond: settings.pacedRate,
        payloadBytes,
      });
      const pacedLoad = await load.ask<LoadResult>({ type: "collect" });

      const count = Math.max(20, Math.round(settings.burstDeliveries / clients));
      await load.ask({ type: "expect", sent: count });
      const burstServer = await server.ask<ServerRunResult>({
        type: "run",
        mode: "burst",
        count,
        perTurn: 4,
        payloadBytes,
        // Same for every contender, and far below lab 09's per-client cap (1 MB here).
        maxQueuedBytes: 8 * 1024 * 1024,
      });
      const burstLoad = await load.ask<LoadResult>({ type: "collect" });

      for (const [name, run] of [
        ["paced", pacedLoad],
        ["burst", burstLoad],
      ] as const) {
        if (run.received !== run.expected)
          problems.push(`${name}: received ${run.received} of ${run.expected} (loss)`);
        if (run.disorder > 0) problems.push(`${name}: ${run.disorder} out of order`);
      }
      if (full.clients !== clients)
        problems.push(`server saw ${full.clients} of ${clients} clients`);
      const deliveries = burstLoad.received;
      results.push({
        contender,
        clients,
        payloadBytes,
        memory,
        paced: { load: pacedLoad, server: pacedServer },
        burst: {
          load: burstLoad,
          server: burstServer,
          deliveredPerSecond: deliveries / (burstLoad.spanMs / 1000),
          cpuMicrosPerDelivery: burstServer.cpuMicros / Math.max(1, deliveries),
          // A generator near a full core limits what it can receive: the figure is a floor.
          generatorBound: burstLoad.generatorCpu >= 0.9,
        },
        valid: problems.length === 0,
        problems,
      });
    }
    return results;
  } finally {
    stop([server, load]);
  }
}

/** One client never reads while ten others do: how much does the server hold for it? */
async function measurePaused(contender: ContenderName): Promise<PausedResult> {
  progress(`${contender} paused client`);
  const { server, load, port, kind } = await startPair(contender);
  try {
    await load.ask({ type: "connect", kind, port, count: 10 });
    await load.ask({ type: "pause-one", kind, port });
    const before = await server.ask<ServerMemory>({ type: "memory" });
    const payloadBytes = 1024;
    const count = Math.round((settings.pausedMegabytes * 1024 * 1024) / payloadBytes);
    await load.ask({ type: "expect", sent: count });
    // Paced so that the ten readers keep up easily: only the paused client falls behind.
    const run = await server.ask<ServerRunResult>({
      type: "run",
      mode: "paced",
      count,
      ratePerSecond: 2500,
      payloadBytes,
    });
    const others = await load.ask<LoadResult>({ type: "collect" });
    return {
      contender,
      megabytesSent: settings.pausedMegabytes,
      maxBufferedBytes: run.maxBufferedBytes,
      rssGrowth: run.rssAfter - before.rss,
      othersComplete: others.received === others.expected,
    };
  } finally {
    stop([server, load]);
  }
}

const started = performance.now();
const configs: ConfigResult[] = [];
const paused: PausedResult[] = [];
for (const contender of settings.contenders) {
  for (const clients of settings.clients) {
    configs.push(...(await measure(contender, clients)));
    done += 1;
  }
  paused.push(await measurePaused(contender));
  done += 1;
}
progress("done");
process.stderr.write("\n");

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const results = {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  machine: `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  node: process.version,
  pinned: hasTaskset
    ? "server on core 0, load generator on core 1 (taskset)"
    : "not pinned: taskset not found",
  settings: { ...settings, out: path.relative(root, settings.out) },
  framing,
  seconds: Math.round((performance.now() - started) / 1000),
  configs,
  paused,
};
mkdirSync(settings.out, { recursive: true });
writeFileSync(path.join(settings.out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
const written = writeReport(results, settings.out);
console.log(`\n${written.markdown}`);
console.log(
  `wrote ${[path.join(settings.out, "results.json"), ...written.files].map((f) => path.relative(root, f)).join(", ")}`,
);
if (configs.some((config) => !config.valid)) {
  console.log("Some runs are INVALID (loss or disorder): see the problems column.");
  process.exitCode = 1;
}
