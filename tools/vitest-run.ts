// Run vitest in a process of its own and read its JSON report: which files and tests failed,
// with their messages, whatever reporter prints to the terminal. verify and the flake hunt
// (scripts/rerun.ts) both judge runs this way, and both run such processes two at a time.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "./curriculum.ts";

export interface VitestJsonReport {
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

export interface VitestRun {
  code: number | null;
  /** What it printed, for when there is no report to read. */
  output: string;
  /** Undefined when vitest wrote none (it crashed before the end). */
  report: VitestJsonReport | undefined;
}

const vitestBin = path.join(repoRoot, "node_modules", "vitest", "vitest.mjs");

/** `vitest run <args>` with this Node (no npx, no shell: it works on Windows too). */
export function runVitest(args: string[], env: Record<string, string> = {}): Promise<VitestRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "vitest-run-"));
  const reportFile = path.join(dir, "report.json");
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [vitestBin, "run", ...args, "--reporter=json", `--outputFile=${reportFile}`],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    let output = "";
    child.stdout.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    child.stderr.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    child.on("close", (code) => {
      let report: VitestJsonReport | undefined;
      try {
        report = JSON.parse(readFileSync(reportFile, "utf8")) as VitestJsonReport;
      } catch {
        report = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, output, report });
    });
  });
}

/** Call `work` on every item, `at` at a time: the next starts when one ends. */
export async function eachConcurrently<T>(
  items: readonly T[],
  at: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: at }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}
