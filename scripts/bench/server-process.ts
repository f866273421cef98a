// One contender in a process of its own (pinned to core 0 by the runner), driven over IPC:
// it broadcasts on command and reports its own CPU, event-loop delay and memory.
import type { Socket } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type ContenderName, startContender } from "./contenders.ts";
import { makePayload } from "./payload.ts";
import type { ServerCommand, ServerMemory, ServerRunResult } from "./protocol.ts";

const [name, track = "solutions"] = process.argv.slice(2) as [ContenderName, string];
const contender = await startContender(name, track);

const sockets = new Set<Socket>();
contender.server.on("connection", (socket: Socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
/** Bytes written but not yet taken by the kernel, over every connection: memory at risk. */
function bufferedBytes(): number {
  let total = 0;
  for (const socket of sockets) total += socket.writableLength;
  return total;
}

const gc = (globalThis as { gc?: () => void }).gc;
function memory(): ServerMemory {
  // Twice: the first pass may only schedule finalizers.
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed, clients: contender.clients() };
}

const resolutionMs = 10;
async function run(command: Extract<ServerCommand, { type: "run" }>): Promise<ServerRunResult> {
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  let maxBuffered = 0;
  const cpuBefore = process.cpuUsage();
  delay.enable();
  let seq = 0;
  const send = () => {
    seq += 1;
    contender.broadcast(makePayload(seq, command.payloadBytes));
  };
  if (command.mode === "paced") {
    // Each send is scheduled from the start time, so a late one does not push the rest back.
    const started = performance.now();
    const interval = 1000 / command.ratePerSecond;
    while (seq < command.count) {
      const wait = started + seq * interval - performance.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      send();
      maxBuffered = Math.max(maxBuffered, bufferedBytes());
    }
  } else {
    // As fast as the server can: a few broadcasts per turn of the event loop, so sockets
    // get written between turns (Node sends a turn's writes together, on the next tick).
    const limit = command.maxQueuedBytes ?? Number.POSITIVE_INFINITY;
    while (seq < command.count) {
      for (let i = 0; i < command.perTurn && seq < command.count; i++) send();
      await new Promise((resolve) => setImmediate(resolve));
      let queued = bufferedBytes();
      maxBuffered = Math.max(maxBuffered, queued);
      while (queued > limit) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        queued = bufferedBytes();
      }
    }
  }
  // Let the last writes leave before reading the clock.
  await new Promise((resolve) => setTimeout(resolve, 20));
  delay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    cpuMicros: cpu.user + cpu.system,
    eventLoopDelayP99Ms: Math.max(0, delay.percentile(99) / 1e6 - resolutionMs),
    maxBufferedBytes: Math.max(maxBuffered, bufferedBytes()),
    rssAfter: process.memoryUsage().rss,
    sent: seq,
  };
}

process.on("message", async (command: ServerCommand) => {
  if (command.type === "memory") process.send?.(memory());
  if (command.type === "run") process.send?.(await run(command));
  if (command.type === "close") {
    await contender.close();
    process.send?.({ type: "closed" });
    process.disconnect();
  }
});
process.send?.({ type: "ready", name, port: contender.port });
