// npm test -- lab03            check lab 03: its TODO checklist and the first unfinished TODO
// npm test -- 3                the same
// npm test -- lab03 --full     vitest's full report (also: WORKSHOP_FULL=1 npm test -- lab03)
// npm test -- lab03 --watch    check again on every save (the same as npm run watch -- 3)
// npm test                     every test file, full report (maintainers)
// Any other vitest option passes through: npm test -- lab03 -t "TODO 3".
import path from "node:path";
import { createVitest, parseCLI, startVitest, type TestSpecification } from "vitest/node";
import { currentTrackDir, findLabName, usesNginxOrRedis } from "../tools/curriculum.ts";
import FocusedReporter from "../tools/focused-reporter.ts";
import ProgressReporter from "../tools/progress-reporter.ts";
import { LabFilesFirst, StopAtFirstTodo } from "../tools/stop-at-first-todo.ts";

const args = process.argv.slice(2);
// npm run test:solutions passes `--track solutions` (an env var set the POSIX way would not
// work on Windows); the workers inherit it from here.
const trackAt = args.indexOf("--track");
if (trackAt >= 0) {
  process.env.WORKSHOP_TRACK = args[trackAt + 1];
  args.splice(trackAt, 2);
}
const full = args.includes("--full") || process.env.WORKSHOP_FULL === "1";
const watch = args.includes("--watch") || args.includes("-w");
const rest = args.filter((arg) => !["--full", "--watch", "-w"].includes(arg));

// "3" and "lab3" mean lab03: vitest filters test files by a piece of their path.
const { filter, options } = parseCLI(["vitest", ...rest]);
const filters = filter.map((f) => {
  const lab = /^(lab)?\d{1,2}$/.test(f) ? findLabName(f) : undefined;
  return lab ? lab.slice(0, 5) : f;
});
const labs = [...new Set(filters.map((f) => findLabName(f)).filter(Boolean))] as string[];
const focused = !full && labs.length === 1 && labs.length === filters.length;

// The student loop: property tests try a tenth of their cases (see test/helpers/property-runs.ts).
if (focused) process.env.WORKSHOP_LOOP = "1";

if (watch) {
  const { watchLab } = await import("./watch.ts");
  if (labs.length !== 1) {
    console.error("Watch one lab at a time: npm test -- lab03 --watch (or npm run watch -- 3)");
    process.exit(2);
  }
  await watchLab(
    labs[0] as string,
    rest.filter((arg) => arg !== filter[0]).concat(full ? ["--full"] : []),
  );
} else {
  const lab = labs.length === 1 ? labs[0] : undefined;
  // Labs that start nginx or Redis run their files one after the other: their timing checks
  // (buffering, heartbeats) stay honest when the files do not compete for the CPU. The others
  // run their Node and browser files side by side.
  const labDir = lab ? path.join(currentTrackDir(), lab) : undefined;
  const needsServices = !labDir || usesNginxOrRedis(labDir);
  // Two workers: vitest's default is one fewer than the CPUs, so one on a 2-core laptop.
  const parallel =
    lab && !needsServices && options.fileParallelism === undefined
      ? { fileParallelism: true, maxWorkers: 2 }
      : {};
  if (focused && lab) {
    process.exitCode = await checkLab(lab, { ...options, ...parallel });
  } else {
    const vitest = await startVitest("test", filters, {
      ...options,
      watch: false,
      ...(labs.length > 0 && !options.reporters
        ? { reporters: ["default", new ProgressReporter()] }
        : {}),
      ...parallel,
    });
    await vitest.close();
  }
  process.exit(process.exitCode ?? 0);
}

/**
 * The student loop, in two steps. First the lab's own test file, alone: on an unfinished
 * starter it names the first TODO in about a second, and the page in Chromium is not even
 * started. Then, only if they can still change the answer, the other files side by side;
 * those stop too as soon as the next TODO is known (see tools/stop-at-first-todo.ts).
 */
async function checkLab(lab: string, config: typeof options): Promise<number> {
  const focusedReporter = new FocusedReporter();
  const stopper = new StopAtFirstTodo(lab);
  const vitest = await createVitest("test", {
    ...config,
    watch: false,
    reporters: [focusedReporter, new ProgressReporter(), stopper],
    sequence: { sequencer: LabFilesFirst },
  });
  // Calls the reporters' onInit: without it the loop could not cancel the run.
  await vitest.standalone();
  const specifications = await vitest.globTestSpecifications([lab.slice(0, "labNN".length)]);
  const isOwnFile = (spec: TestSpecification) => path.basename(spec.moduleId) === `${lab}.test.ts`;
  const first = specifications.filter(isOwnFile);
  const others = specifications.filter((spec) => !isOwnFile(spec));
  const results = [await vitest.runTestSpecifications(first.length > 0 ? first : others)];
  if (first.length > 0 && !stopper.decidedWithout(others.map((spec) => spec.moduleId))) {
    results.push(await vitest.runTestSpecifications(others));
  }
  focusedReporter.print();
  await vitest.close();
  const passed = results.every((result) =>
    result.testModules.every((module) => module.state() === "passed"),
  );
  return passed && results.every((result) => result.unhandledErrors.length === 0) ? 0 : 1;
}
