// The report a student sees after `npm test -- lab03`: the lab's TODOs in order, each done,
// not yet, or not checked yet (its tests wait for an earlier TODO), then the first unfinished
// TODO in full — what was expected, what arrived, the file to edit and where its hint is.
// `npm test -- lab03 --full` (or WORKSHOP_FULL=1) shows vitest's own report instead.
//
// A test's TODO comes from its title (`TODO 3 · …`); a failure goes to the TODO its message
// names first (`lab03 TODO 2: …`), so a test may blame an earlier TODO it depends on.
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import {
  currentTrack,
  hintsOf,
  readmeOf,
  starterTodosOf,
  type Todo,
  todoBlamedIn,
  todoOfFailure,
  todosInTitle,
} from "./curriculum.ts";
import { wasCancelled } from "./stop-at-first-todo.ts";

interface Failure {
  test: string;
  /** The TODO it is put under, or undefined for a test of given code. */
  todo: number | undefined;
  message: string;
  /** Where in the test file it failed, e.g. test/lab03-reconnection.test.ts:61. */
  at: string | undefined;
}

type Status = "done" | "not yet" | "waits" | "not run" | "untested";

const useColor =
  process.env.FORCE_COLOR !== "0" &&
  !process.env.NO_COLOR &&
  (Boolean(process.env.FORCE_COLOR) || process.stdout.isTTY === true);
const paint = (code: number) => (text: string) =>
  useColor ? `\u001b[${code}m${text}\u001b[0m` : text;
const green = paint(32);
const red = paint(31);
const dim = paint(2);
const bold = paint(1);
const yellow = paint(33);

const maxMessageLines = 8;
const maxLineLength = 220;

export default class FocusedReporter implements Reporter {
  private readonly started = performance.now();
  private readonly modules = new Map<string, TestModule>();
  private readonly errors: unknown[] = [];

  // The loop may run a lab in two steps (see scripts/test.ts): keep what each step found.
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    for (const module of testModules) this.modules.set(module.moduleId, module);
    this.errors.push(...unhandledErrors);
  }

  /** Print the checklist and the next TODO, once every step has run. */
  print() {
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    const testModules = [...this.modules.values()];
    const labs = [
      ...new Set(
        testModules
          .map((module) => path.basename(module.moduleId).match(/^lab\d\d-[\w-]+?(?=\.)/)?.[0])
          .filter((lab): lab is string => lab !== undefined),
      ),
    ];
    const lines: string[] = [];
    for (const lab of labs) {
      const modules = testModules.filter((m) => path.basename(m.moduleId).startsWith(`${lab}.`));
      lines.push(...reportLab(lab, modules), "");
    }
    for (const error of this.errors) {
      lines.push(red(`An error outside any test: ${errorText(error).split("\n")[0]}`));
    }
    const filters = labs.map((lab) => lab.slice(0, 5)).join(" ");
    lines.push(dim(`(${seconds} s — full report: npm test -- ${filters} --full)`));
    console.log(lines.join("\n"));
  }
}

function reportLab(lab: string, modules: TestModule[]): string[] {
  const labId = lab.slice(0, 5);
  const track = currentTrack();
  // The TODO list is the starter's: solutions no longer carry the markers, and a student
  // deletes a marker once its TODO is done (see starterTodosOf).
  const todos = starterTodosOf(lab);
  const tests = modules.flatMap((module) => [...module.children.allTests()]);
  const failures: Failure[] = [];
  for (const module of modules) {
    // A test file that could not even load (a syntax error in the lab, a missing export).
    for (const error of module.errors()) {
      const message = errorText(error);
      failures.push({
        test: `${path.basename(module.moduleId)} (could not load)`,
        todo: todoBlamedIn(message, labId),
        message,
        at: undefined,
      });
    }
  }
  for (const test of tests) {
    const result = test.result();
    // A test the loop stopped (see stop-at-first-todo.ts) did not fail: it was not run.
    if (result.state !== "failed" || wasCancelled(test)) continue;
    const error = result.errors?.[0];
    const message = error ? errorText(error) : "failed";
    failures.push({
      test: test.name,
      todo: todoOfFailure(message, test.name, labId),
      message,
      at: locationIn(error?.stack),
    });
  }

  const status = new Map<number, { status: Status; waitsFor?: number }>();
  for (const todo of todos) {
    const titled = tests.filter((test) => todosInTitle(test.name).includes(todo.number));
    const ran = titled.filter(
      (test) => ["passed", "failed"].includes(test.result().state) && !wasCancelled(test),
    );
    if (failures.some((failure) => failure.todo === todo.number)) {
      status.set(todo.number, { status: "not yet" });
    } else if (ran.some((test) => test.result().state === "passed")) {
      status.set(todo.number, { status: "done" });
    } else if (ran.length > 0) {
      const blamed = failures
        .filter((failure) => titled.some((test) => test.name === failure.test))
        .map((failure) => failure.todo)
        .filter((n): n is number => n !== undefined);
      // A test checks its TODOs in order: one that got as far as blaming a later TODO ("TODO
      // 4, 5 · …" failing on 5) found this one done. Blaming an earlier one, it never got here.
      const earlier = blamed.filter((n) => n < todo.number);
      status.set(
        todo.number,
        earlier.length === 0
          ? { status: "done" }
          : { status: "waits", waitsFor: Math.min(...earlier) },
      );
    } else {
      // "No test names it" only holds when every file ran; after a failure the loop may have
      // left a file out (see scripts/test.ts).
      const untested = titled.length === 0 && failures.length === 0;
      status.set(todo.number, { status: untested ? "untested" : "not run" });
    }
  }

  // A later TODO whose tests the loop did not run, or whose file it did not even load (see
  // stop-at-first-todo.ts), waits for the first unfinished one.
  const firstUnfinished = todos.find((todo) => status.get(todo.number)?.status === "not yet");
  for (const [number, entry] of status) {
    const skipped = entry.status === "not run" || entry.status === "untested";
    if (skipped && firstUnfinished && firstUnfinished.number < number)
      status.set(number, { status: "waits", waitsFor: firstUnfinished.number });
  }

  const done = todos.filter((todo) => status.get(todo.number)?.status === "done").length;
  const folder = `${track}/${lab}`;
  const lines = [bold(`${labId} · ${folder} · ${done} of ${todos.length} TODOs done`), ""];
  for (const todo of todos) {
    const { status: state, waitsFor } = status.get(todo.number) ?? { status: "untested" };
    const mark =
      state === "done"
        ? green("✓")
        : state === "not yet"
          ? red("✗")
          : state === "waits"
            ? yellow("·")
            : dim("?");
    const note =
      state === "waits"
        ? dim(`  (not checked until TODO ${waitsFor} passes)`)
        : state === "not run"
          ? dim("  (not run)")
          : state === "untested"
            ? dim("  (no test names it)")
            : "";
    lines.push(`  ${mark} TODO ${todo.number}  ${shorten(todo.text, 70)}${note}`);
  }

  const next = todos.find((todo) => status.get(todo.number)?.status === "not yet");
  // A failure no TODO on the list takes: a test of given code, or one blaming a TODO the
  // starter does not have. It must still be shown.
  const orphan = failures.find((failure) => !todos.some((todo) => todo.number === failure.todo));
  if (next) {
    lines.push("", ...describeFailure(lab, track, next, failures));
  } else if (orphan) {
    lines.push("", red(`✗ ${orphan.test}`), ...indent(orphan.message));
    if (orphan.at) lines.push(dim(`  test: ${orphan.at}`));
  } else if (tests.length > 0 && failures.length === 0) {
    lines.push("", green(`${labId} passes: every TODO is done.`));
  } else if (tests.length === 0) {
    lines.push("", red("No test ran."));
  }
  return lines;
}

function describeFailure(lab: string, track: string, todo: Todo, failures: Failure[]): string[] {
  const mine = failures.filter((failure) => failure.todo === todo.number);
  // Prefer a test that is about this TODO over one that only depends on it.
  const failure =
    mine.find((f) => todosInTitle(f.test).includes(todo.number)) ?? (mine[0] as Failure);
  const hint = hintsOf(readmeOf(lab)).find((h) => h.numbers.includes(todo.number));
  const lines = [
    `${red(bold(`Next: TODO ${todo.number}`))}  in ${track}/${lab}/${
      !todo.commentGone
        ? `${todo.file}:${todo.line}`
        : todo.line > 0
          ? `${todo.file}:${todo.line} (where its TODO comment was)`
          : `${todo.file} (its TODO comment is gone)`
    }`,
    ...wrap(todo.text, 96).map((line) => `  ${line}`),
    "",
    `  ${red("✗")} ${failure.test}`,
    ...indent(failure.message, "    "),
  ];
  if (failure.at) lines.push(dim(`    test: ${failure.at}`));
  if (failure.message.startsWith("Test timed out")) {
    lines.push(
      dim(
        "    (it waited for something that never came; if the machine is very busy, run it again)",
      ),
    );
  }
  if (mine.length > 1)
    lines.push(dim(`    (${mine.length - 1} more failing test(s) for TODO ${todo.number})`));
  lines.push(
    "",
    hint
      ? `  Hint: labs/${lab}/README.md line ${hint.line}, "${hint.summary}"`
      : `  Hint: the steps in labs/${lab}/README.md`,
  );
  return lines;
}

function indent(message: string, prefix = "  "): string[] {
  const lines = message
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("If this is a long-running test"));
  const shown = lines
    .slice(0, maxMessageLines)
    .map((line) => prefix + shorten(line, maxLineLength));
  if (lines.length > maxMessageLines) shown.push(`${prefix}${dim("…")}`);
  return shown;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.slice(0, 4);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/** The first stack frame inside test/*.test.ts: the line of the check that failed. */
function locationIn(stack: string | undefined): string | undefined {
  const match = stack?.match(/(test\/[\w.-]+\.test\.ts):(\d+)/);
  return match ? `${match[1]}:${match[2]}` : undefined;
}
