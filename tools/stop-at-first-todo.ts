// The student loop stops as soon as it knows which TODO is next: once a TODO's test has
// failed and no earlier TODO can still fail, the later tests cannot change what the student
// reads (they are "not checked until TODO n passes"), so the run is cancelled instead of
// waiting for them. `npm test -- lab03 --full` still runs everything.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Reporter, TestCase, TestModule, TestSpecification, Vitest } from "vitest/node";
import { BaseSequencer } from "vitest/node";
import { starterTodosOf, todoOfFailure, todosInTitle } from "./curriculum.ts";

/** What vitest says about a test it stopped because the run was cancelled. */
export const cancelledMessage = "The test run was aborted";

export function wasCancelled(test: TestCase): boolean {
  return (test.result().errors ?? []).some((error) => error.message?.includes(cancelledMessage));
}

export class StopAtFirstTodo implements Reporter {
  private vitest: Vitest | undefined;
  private readonly firstTodo: number | undefined;
  private readonly labId: string;
  private expectedModules = Number.POSITIVE_INFINITY;
  private readonly collected = new Set<TestModule>();
  /** The TODO of every failed test so far, by test id; NaN for a test of given code. */
  private readonly failures = new Map<string, number>();
  /** The TODO the run stopped at, once it has. */
  stoppedAt: number | undefined;

  constructor(lab: string) {
    this.labId = lab.slice(0, "labNN".length);
    this.firstTodo = starterTodosOf(lab)[0]?.number;
  }

  onInit(vitest: Vitest) {
    this.vitest = vitest;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>) {
    // A second step adds its files to the ones the first step already collected.
    this.expectedModules = this.collected.size + specifications.length;
  }

  /**
   * After the first step (the lab's own test file): can the other files still change what the
   * student reads? Not when a TODO already failed and no other file names an earlier TODO
   * (in a title or a message: a mention is enough, so this errs on the side of running them).
   * A failing test of given code is shown at once too.
   */
  decidedWithout(otherFiles: string[]): boolean {
    if (this.failedTodos.some(Number.isNaN)) return true;
    if (this.failures.size === 0) return false;
    const todo = Math.min(...this.failedTodos);
    return otherFiles.every((file) =>
      [...readFileSync(file, "utf8").matchAll(/TODOs? (\d+)/g)].every((m) => Number(m[1]) >= todo),
    );
  }

  onTestModuleCollected(module: TestModule) {
    this.collected.add(module);
    this.stopIfDecided();
  }

  onTestCaseResult(test: TestCase) {
    if (test.result().state === "failed" && !wasCancelled(test)) {
      const message = test.result().errors?.[0]?.message ?? "";
      const todo = todoOfFailure(message, test.name, this.labId);
      // A failing test of given code (no TODO) is shown in full: never cut the run short for it.
      this.failures.set(test.id, todo ?? Number.NaN);
    }
    this.stopIfDecided();
  }

  private get failedTodos(): number[] {
    return [...this.failures.values()];
  }

  private stopIfDecided() {
    if (this.stoppedAt !== undefined || this.failures.size === 0) return;
    if (this.failedTodos.some(Number.isNaN)) return;
    const todo = Math.min(...this.failedTodos);
    if (!this.nothingEarlierCanFail(todo)) return;
    this.stoppedAt = todo;
    // Not awaited: it waits for the run to end, and this hook is part of the run.
    void this.vitest?.cancelCurrentRun("test-failure");
  }

  /**
   * True when no test of an earlier TODO is still to run. TODO 1 (the lab's first) has nothing
   * before it; for a later one, every test file must have been collected (until then some
   * tests are unknown) and every test titled with an earlier TODO must have finished.
   */
  private nothingEarlierCanFail(todo: number): boolean {
    if (todo === this.firstTodo) return true;
    if (this.collected.size < this.expectedModules) return false;
    for (const module of this.collected) {
      for (const test of module.children.allTests()) {
        const earlier = todosInTitle(test.name).some((n) => n < todo);
        if (earlier && !["passed", "failed", "skipped"].includes(test.result().state)) return false;
      }
    }
    return true;
  }
}

/**
 * The order the student loop starts a lab's files in: the lab's own tests first (they cover
 * the first TODOs and are quick), then the page in Chromium (the longest), then the checks
 * of given code (`.hardening`), so a starter stops before the slow files have begun.
 */
export class LabFilesFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const name = path.basename(file.moduleId);
      if (/^lab\d\d-[\w-]+\.test\.ts$/.test(name)) return 0;
      if (name.includes(".browser.")) return 1;
      return 2;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}
