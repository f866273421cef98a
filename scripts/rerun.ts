// npm run rerun -- --times 20 [--labs 01,06]
// The flake hunt: every lab's solution tests, again and again, two suites at once (so each run
// shares the 2 cores with another, like a busy laptop or CI box). A test that fails even once
// is listed with its message. Maintainers only; it takes a while (about 30 min for 20 rounds).
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { findLabName, labNames } from "../tools/curriculum.ts";
import { eachConcurrently, runVitest } from "../tools/vitest-run.ts";

const { values } = parseArgs({
  options: { times: { type: "string", default: "20" }, labs: { type: "string" } },
});
const times = Number(values.times);
const labs = values.labs
  ? values.labs.split(",").flatMap((id) => findLabName(id.trim()) ?? [])
  : labNames("solutions");

/** The start of a failure message: a hook's timeout puts its reason on the second line. */
const firstLines = (message: string) =>
  message
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("at "))
    .slice(0, 3)
    .join(" | ");

/** One run of one lab's solution tests; the failed tests' titles and first message lines. */
async function runOnce(lab: string): Promise<{ failures: string[]; seconds: number }> {
  const started = performance.now();
  const { code, report } = await runVitest([lab.slice(0, 5)], { WORKSHOP_TRACK: "solutions" });
  const seconds = (performance.now() - started) / 1000;
  if (!report) return { failures: [`no report (exit ${code})`], seconds };
  const failures = report.testResults.flatMap((file) => [
    ...(file.assertionResults.length === 0 && file.message
      ? [`${path.basename(file.name)}: ${file.message.split("\n")[0]}`]
      : []),
    ...file.assertionResults
      .filter((test) => test.status === "failed")
      .map((test) => `${test.title} — ${firstLines(test.failureMessages[0] ?? "")}`),
  ]);
  return { failures: code !== 0 && failures.length === 0 ? [`exit ${code}`] : failures, seconds };
}

// Round by round, so the two suites running at once are usually different labs.
const jobs = Array.from({ length: times }, () => labs).flat();
const results = new Map(labs.map((lab) => [lab, { runs: 0, failed: 0, seconds: [] as number[] }]));
const failures = new Map<string, number>();
const loads: number[] = [];
const began = performance.now();
await eachConcurrently(jobs, 2, async (lab) => {
  const { failures: failed, seconds } = await runOnce(lab);
  loads.push(loadavg()[0] ?? 0);
  const result = results.get(lab);
  if (!result) return;
  result.runs += 1;
  result.seconds.push(seconds);
  if (failed.length > 0) result.failed += 1;
  for (const failure of failed) {
    const key = `${lab.slice(0, 5)}: ${failure.slice(0, 400)}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
  process.stdout.write(failed.length > 0 ? `✗${lab.slice(3, 5)} ` : ".");
});

const median = (list: number[]) =>
  [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
console.log(
  `\n\nrerun: ${times} rounds, two suites at once, ${((performance.now() - began) / 60_000).toFixed(1)} min`,
);
console.log(
  `load average while running: median ${median(loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}\n`,
);
console.log("| lab | runs | failed runs | median s |\n| --- | --- | --- | --- |");
for (const [lab, result] of results) {
  console.log(
    `| ${lab} | ${result.runs} | ${result.failed} | ${median(result.seconds).toFixed(1)} |`,
  );
}
if (failures.size > 0) {
  console.log("\nFailures (times seen):");
  for (const [failure, count] of failures) console.log(`  ${count}×  ${failure}`);
}
process.exit(failures.size > 0 ? 1 : 0);
