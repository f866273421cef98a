// `npm run bench` itself, on a tiny load: the harness must count every delivery and write
// its JSON, table and charts. (Timing is what the benchmark reports, never what a test asserts.)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { onCleanup, repoRoot, track } from "./helpers/index.ts";

describe("npm run bench", () => {
  test("a tiny run measures every delivery for an SSE and a WebSocket contender, and writes JSON, a table and charts", () => {
    const out = mkdtempSync(path.join(tmpdir(), "bench-"));
    onCleanup(() => rmSync(out, { recursive: true, force: true }));
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/bench/run.ts",
        ...["--contenders", "lab09-express,ws", "--clients", "6", "--payloads", "128"],
        ...["--paced", "5", "--rate", "50", "--deliveries", "120", "--paused-mb", "1"],
        ...["--track", track, "--out", out],
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status, `the benchmark should finish cleanly:\n${run.stdout}\n${run.stderr}`).toBe(
      0,
    );

    const results = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as {
      configs: {
        contender: string;
        valid: boolean;
        problems: string[];
        paced: { load: { received: number; expected: number } };
        burst: { load: { received: number; expected: number }; deliveredPerSecond: number };
      }[];
      paused: { contender: string; othersComplete: boolean }[];
    };
    expect(results.configs.map((config) => config.contender)).toEqual(["lab09-express", "ws"]);
    for (const config of results.configs) {
      expect(config.problems, `${config.contender}: no loss, no disorder`).toEqual([]);
      expect(config.paced.load.expected, "6 clients × 5 paced broadcasts").toBe(30);
      expect(config.paced.load.received).toBe(30);
      expect(config.burst.load.received, "6 clients × 20 burst broadcasts").toBe(120);
      expect(config.burst.deliveredPerSecond).toBeGreaterThan(0);
    }
    expect(results.paused.every((run) => run.othersComplete)).toBe(true);
    for (const file of ["results.md", "throughput.svg", "latency.svg", "memory.svg"])
      expect(existsSync(path.join(out, file)), `${file} written`).toBe(true);
    expect(readFileSync(path.join(out, "throughput.svg"), "utf8")).toMatch(/^<svg[^>]*>/);
    expect(readFileSync(path.join(out, "results.md"), "utf8")).toContain("| lab09-express | 6 |");
  }, 90_000);
});
