// npm run verify — the maintainers' check, and what CI runs.
// 1. lint, typecheck and the curriculum guards (every TODO has a hint and a test message
//    naming it; every starter carries forward the solution it starts from);
// 2. every lab's tests pass on solutions/;
// 3. every lab's tests fail on labs/ (the untouched starters), with at least one
//    message naming a TODO — a starter that crashes the harness does not count.
// Ends with one line alone: `verify: N passed, M failed`.
// Tools run as `node <their script>` (no npx, no shell), so this works on Windows too.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkCarryForward, checkHints } from "../tools/curriculum-checks.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const labs = readdirSync(path.join(root, "solutions"))
  .filter((name) => /^lab\d\d-/.test(name))
  .sort();
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

interface JsonReport {
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { status: string; failureMessages: string[] }[];
  }[];
}

/** Run vitest once on a track, return its JSON report (and its output for when things go wrong). */
async function runTests(track: "labs" | "solutions", filters: string[], extra: string[] = []) {
  const dir = mkdtempSync(path.join(tmpdir(), "verify-"));
  const reportFile = path.join(dir, "report.json");
  const result = await run(
    bin.vitest,
    [
      "run",
      ...extra,
      "--reporter=json",
      `--outputFile=${reportFile}`,
      "--reporter=dot",
      ...filters,
    ],
    { WORKSHOP_TRACK: track },
  );
  let report: JsonReport | undefined;
  try {
    report = JSON.parse(readFileSync(reportFile, "utf8")) as JsonReport;
  } catch {
    report = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  return { report, output: result.output };
}

function filesOf(report: JsonReport | undefined, lab: string) {
  const prefix = lab.slice(0, "labNN".length);
  return report?.testResults.filter((file) => path.basename(file.name).startsWith(prefix)) ?? [];
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

// Solutions: every test file, lab or not, must pass.
console.log(`(checks done at ${elapsed()})`);
const solutions = await runTests("solutions", [`--exclude=${nginxTemplatesTest}`]);
console.log(`(solutions run done at ${elapsed()})`);
if (!solutions.report) console.log(solutions.output);
for (const file of solutions.report?.testResults ?? []) {
  const failed = file.assertionResults.filter((test) => test.status === "failed");
  const ok = file.status === "passed";
  if (!ok) console.log(file.message, failed.flatMap((test) => test.failureMessages).join("\n"));
  record(
    `solutions pass: ${path.relative(root, file.name)}`,
    ok,
    ok ? `${file.assertionResults.length} tests` : `${failed.length} failed ${file.message}`.trim(),
  );
}
if (!solutions.report) record("solutions pass: vitest produced a report", false);

// Starters: each lab must have at least one test that fails with a TODO in its message.
// Starters only have to fail, naming a TODO: no timing to keep honest, so two files at once.
const starters = await runTests(
  "labs",
  labs.map((lab) => lab.slice(0, "labNN".length)),
  ["--fileParallelism", "--maxWorkers=2"],
);
console.log(`(starters run done at ${elapsed()})`);
if (!starters.report) console.log(starters.output);
for (const lab of labs) {
  const files = filesOf(starters.report, lab);
  const crashed = files.filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  );
  const failures = files.flatMap((file) =>
    file.assertionResults.filter((test) => test.status === "failed"),
  );
  const naming = failures.filter((test) => test.failureMessages.some((m) => /TODO \d+/.test(m)));
  const ok = files.length > 0 && crashed.length === 0 && naming.length > 0;
  const detail =
    files.length === 0
      ? "no test file found"
      : crashed.length > 0
        ? `harness crashed: ${crashed[0]?.message.split("\n")[0]}`
        : `${failures.length} failing, ${naming.length} naming a TODO`;
  record(`starter fails: ${lab}`, ok, detail);
}

const passed = checks.filter((check) => check.ok).length;
const failed = checks.length - passed;
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(`verify: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
