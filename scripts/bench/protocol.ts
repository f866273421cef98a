// Messages between the benchmark's three processes: the runner, one server, one load generator.
import type { ContenderName } from "./contenders.ts";

export type ServerCommand =
  | { type: "memory" }
  | { type: "run"; mode: "paced"; count: number; ratePerSecond: number; payloadBytes: number }
  | {
      type: "run";
      mode: "burst";
      count: number;
      perTurn: number;
      payloadBytes: number;
      /**
       * Wait while more than this many bytes are queued in the server's sockets: the fastest
       * pace the receivers can take, instead of a backlog that only measures memory.
       * Absent: never wait (the paused-client run, where the backlog is the point).
       */
      maxQueuedBytes?: number;
    }
  | { type: "close" };

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  clients: number;
}

export interface ServerRunResult {
  /** CPU time the server spent during the run, microseconds. */
  cpuMicros: number;
  /** p99 of how late the event loop ran, minus the sampler's own 10 ms period. */
  eventLoopDelayP99Ms: number;
  /** Largest sum of bytes waiting in the server's sockets during the run. */
  maxBufferedBytes: number;
  rssAfter: number;
  sent: number;
}

export type LoadCommand =
  | { type: "connect"; kind: "sse" | "ws"; port: number; count: number }
  | { type: "pause-one"; kind: "sse" | "ws"; port: number }
  | { type: "expect"; sent: number }
  | { type: "collect" }
  | { type: "close" };

export interface LoadResult {
  clients: number;
  received: number;
  expected: number;
  /** Per delivery: arrival minus sentAt, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Per broadcast: when its last receiver had it, ms after sentAt. */
  lastReceiver: { p50: number; p99: number; max: number };
  /** From the first send to the last arrival, ms. */
  spanMs: number;
  /** Share of one core the generator used while receiving (1 = 100 %). */
  generatorCpu: number;
  /** Deliveries out of order or repeated: must be 0. */
  disorder: number;
}

export interface ServerHello {
  type: "ready";
  name: ContenderName;
  port: number;
}
