// npm test -- lab03            check lab 03: its TODO checklist and the first unfinished TODO
// npm test -- 3                the same
// npm test -- lab03 --full     vitest's full report (also: WORKSHOP_FULL=1 npm test -- lab03)
// npm test -- lab03 --watch    check again on every save (the same as npm run watch -- 3)
// npm test                     every test file, full report (maintainers)
// Any other vitest option passes through: npm test -- lab03 -t "TODO 3".
import { existsSync } from "node:fs";
import path from "node:path";
import { parseCLI, startVitest } from "vitest/node";
import { findLabName, repoRoot } from "../tools/curriculum.ts";
import FocusedReporter from "../tools/focused-reporter.ts";
import ProgressReporter from "../tools/progress-reporter.ts";

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
  const track = process.env.WORKSHOP_TRACK === "solutions" ? "solutions" : "labs";
  const labDir = lab ? path.join(repoRoot, track, lab) : undefined;
  const needsServices =
    !labDir ||
    existsSync(path.join(labDir, "nginx.conf.template")) ||
    existsSync(path.join(labDir, "redis-broker.ts"));
  const vitest = await startVitest("test", filters, {
    ...options,
    watch: false,
    ...(focused
      ? { reporters: [new FocusedReporter(), new ProgressReporter()] }
      : labs.length > 0 && !options.reporters
        ? { reporters: ["default", new ProgressReporter()] }
        : {}),
    // Two workers: vitest's default is one fewer than the CPUs, so one on a 2-core laptop.
    ...(lab && !needsServices && options.fileParallelism === undefined
      ? { fileParallelism: true, maxWorkers: 2 }
      : {}),
  });
  await vitest.close();
  process.exit(process.exitCode ?? 0);
}
