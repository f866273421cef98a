// npm run verify — the maintainers' check, and what CI runs.
// 1. lint, typecheck and the curriculum guards (every TODO has a hint and a test message
//    naming it; every starter carries forward the solution it starts from);
// 2. every lab's tests pass on solutions/;
// 3. every lab's untouched starter in labs/ fails `npm test -- labNN`, which names the TODO
//    to do next — a starter that crashes the harness does not count.
// Ends with one line alone: `verify: N passed, M failed`.
// Tools run as `node <their script>` (no npx, no shell), so this works on Windows too.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { childrenCpuSeconds } from "../tools/cpu-time.ts";
import { labNames, usesNginxOrRedis } from "../tools/curriculum.ts";
import { checkCarryForward, checkHints } from "../tools/curriculum-checks.ts";
import { eachConcurrently, runVitest } from "../tools/vitest-run.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const labs = labNames("solutions", root);
const bin = {
  biome: path.join(root, "node_modules", "@biomejs", "biome", "bin", "biome"),
  tsc: path.join(root, "node_modules", "typescript", "bin", "tsc"),
  vitest: path.join(root, "node_modules", "vitest", "vitest.mjs"),
};

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
function record(name: string, ok: boolean, detail = "") {
  checks.push({ name, ok, detail });
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? ` — ${detail}` : ""}`);
}

/** Run a tool's script with this Node, to its end (in parallel with others if not awaited). */
function run(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ ok: boolean; output: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let output = "";
    child.stdout.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    child.stderr.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    child.on("close", (code) => resolve({ ok: code === 0, output }));
  });
}

async function step(name: string, script: string, args: string[]) {
  const result = await run(script, args);
  if (!result.ok) console.log(result.output);
  record(name, result.ok);
}

/** Run vitest once on solutions/: its JSON report, and its output for when things go wrong. */
function runSolutions(args: string[]) {
  return runVitest(["--reporter=dot", ...args], { WORKSHOP_TRACK: "solutions" });
}

const started = performance.now();
// Where verify's time goes, printed between its phases (its budget is 120 s).
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
// Lint, typecheck and the nginx templates at once: they are independent.
// Every nginx template (labs/, solutions/, proxy/) renders and passes `nginx -t`.
// It does not depend on the track, so the solutions run below leaves it out.
const nginxTemplatesTest = "test/nginx-templates.test.ts";
await Promise.all([
  step("lint (biome check)", bin.biome, ["check", "."]),
  step("typecheck (tsc --noEmit)", bin.tsc, ["--noEmit"]),
  step("nginx templates (render + nginx -t)", bin.vitest, [
    "run",
    "--reporter=dot",
    nginxTemplatesTest,
  ]),
]);
// The curriculum guards read files only: no test runs for them.
const hintProblems = checkHints(root);
for (const problem of hintProblems) console.log(`  ${problem.lab}: ${problem.message}`);
record(
  "every TODO has a README hint and a test message naming it",
  hintProblems.length === 0,
  hintProblems.length > 0 ? `${hintProblems.length} missing` : "",
);
const carryProblems = checkCarryForward(root);
for (const problem of carryProblems) console.log(`  ${problem.lab}: ${problem.message}`);
record(
  "every starter carries forward the solution it starts from",
  carryProblems.length === 0,
  carryProblems.length > 0 ? `${carryProblems.length} differences` : "",
);

// Solutions: every test file, lab or not, must pass. Two vitest runs at once, one per core:
// the labs that start nginx or Redis (and the hub) in one, every other file in the other.
// Each run takes its files one after the other, as the config says, so a timing check
// (buffering, heartbeats) shares the machine with one other file, not with many.
console.log(`(checks done at ${elapsed()})`);
const testFiles = readdirSync(path.join(root, "test"))
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => `test/${name}`);
const withServices = labs.filter((lab) => usesNginxOrRedis(path.join(root, "solutions", lab)));
const firstRun = testFiles.filter(
  (file) =>
    withServices.some((lab) => path.basename(file).startsWith(`${lab}.`)) ||
    file === "test/hub.browser.test.ts",
);
const solutionRuns = await Promise.all([
  runSolutions(firstRun),
  runSolutions([...firstRun, nginxTemplatesTest].map((file) => `--exclude=${file}`)),
]);
console.log(`(solutions run done at ${elapsed()})`);
for (const run of solutionRuns) {
  if (!run.report) {
    console.log(run.output);
    record("solutions pass: vitest produced a report", false);
  }
  for (const file of run.report?.testResults ?? []) {
    const failed = file.assertionResults.filter((test) => test.status === "failed");
    const ok = file.status === "passed";
    if (!ok) console.log(file.message, failed.flatMap((test) => test.failureMessages).join("\n"));
    record(
      `solutions pass: ${path.relative(root, file.name)}`,
      ok,
      ok
        ? `${file.assertionResults.length} tests`
        : `${failed.length} failed ${file.message}`.trim(),
    );
  }
}

// Starters: each lab's untouched starter fails, and the student's own command says which TODO
// is next. This runs exactly what a student runs (`npm test -- labNN`), two labs at a time.
const loop = path.join(root, "scripts", "run-ts.mjs");
const starterResults = new Map<string, { ok: boolean; output: string }>();
await eachConcurrently(labs, 2, async (lab) => {
  starterResults.set(lab, await run(loop, ["scripts/test.ts", lab.slice(0, 5)], { NO_COLOR: "1" }));
});
console.log(`(starters run done at ${elapsed()})`);
for (const lab of labs) {
  const result = starterResults.get(lab);
  const next = result?.output.match(/Next: TODO (\d+)/)?.[1];
  const crashed = result?.output.includes("(could not load)") ?? true;
  const ok = result !== undefined && !result.ok && next !== undefined && !crashed;
  if (!ok) console.log(result?.output);
  const detail = ok
    ? `npm test -- ${lab.slice(0, 5)} names TODO ${next} next`
    : result?.ok
      ? "it passes: the starter should leave its TODOs to the student"
      : crashed
        ? "a test file could not load"
        : "no failure names a TODO";
  record(`starter fails: ${lab}`, ok, detail);
}

const passed = checks.filter((check) => check.ok).length;
const failed = checks.length - passed;
// The CPU it took says how short verify could be here: no schedule beats CPU ÷ cores.
const cpu = childrenCpuSeconds();
const cores = os.cpus().length;
console.log(
  `\n(${((performance.now() - started) / 1000).toFixed(1)} s` +
    (cpu === undefined
      ? ")"
      : `; CPU ${cpu.toFixed(0)} s, so at least ${(cpu / cores).toFixed(0)} s on ${cores} cores)`),
);
console.log(`verify: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
