// A vitest reporter that remembers, per lab, whether the student's code passed its tests,
// so `npm start` can show progress. It writes .workshop/progress.json (not in git).
// Only runs against labs/ count: solutions/ runs are the maintainers' checks, not progress.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { repoRoot } from "./curriculum.ts";

export interface LabProgress {
  status: "pass" | "fail";
  passed: number;
  failed: number;
  /** Milliseconds the lab's test files took. */
  durationMs: number;
  /** When this lab was last tested (ISO 8601). */
  at: string;
}

export type ProgressFile = Record<string, LabProgress>;

export const progressFile = path.join(repoRoot, ".workshop", "progress.json");

export function readProgress(file = progressFile): ProgressFile {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ProgressFile;
  } catch {
    return {};
  }
}

export default class ProgressReporter implements Reporter {
  // The student loop may run a lab in two steps: a lab passes only if every step passed.
  private readonly seen = new Map<string, TestModule>();

  onTestRunEnd(runModules: ReadonlyArray<TestModule>) {
    // Nor do the loop's own tests, which check a throwaway copy (WORKSHOP_TRACK_DIR).
    if (process.env.WORKSHOP_TRACK === "solutions" || process.env.WORKSHOP_TRACK_DIR) return;
    for (const module of runModules) this.seen.set(module.moduleId, module);
    const testModules = [...this.seen.values()];
    const at = new Date().toISOString();
    const runs = new Map<string, LabProgress>();
    for (const module of testModules) {
      const lab = path.basename(module.moduleId).match(/^lab\d\d/)?.[0];
      if (!lab) continue;
      const run = runs.get(lab) ?? { status: "pass", passed: 0, failed: 0, durationMs: 0, at };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") run.passed += 1;
        if (state === "failed") run.failed += 1;
      }
      // A file that failed to load has no failed test, but it did not pass either.
      if (module.state() !== "passed" || run.failed > 0) run.status = "fail";
      run.durationMs += Math.round(module.diagnostic().duration);
      runs.set(lab, run);
    }
    if (runs.size === 0) return;
    // Merge: `npm test -- lab03` must not forget that lab01 passed yesterday.
    const progress = { ...readProgress(), ...Object.fromEntries(runs) };
    mkdirSync(path.dirname(progressFile), { recursive: true });
    writeFileSync(progressFile, `${JSON.stringify(progress, null, 2)}\n`);
  }
}
