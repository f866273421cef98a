// npm run verify — the maintainers' check, and what CI runs.
// 1. lint and typecheck;  2. every lab's tests pass on solutions/;
// 3. every lab's tests fail on labs/ (the untouched starters), with at least one
//    message naming a TODO — a starter that crashes the harness does not count.
// Ends with one line alone: `verify: N passed, M failed`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const labs = readdirSync(path.join(root, "solutions"))
  .filter((name) => /^lab\d\d-/.test(name))
  .sort();

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

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function step(name: string, command: string, args: string[]) {
  const result = run(command, args);
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
function runTests(track: "labs" | "solutions", filters: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), "verify-"));
  const reportFile = path.join(dir, "report.json");
  const result = run(
    "npx",
    [
      "vitest",
      "run",
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
step("lint (biome check)", "npx", ["biome", "check", "."]);
step("typecheck (tsc --noEmit)", "npx", ["tsc", "--noEmit"]);
// Every nginx template (labs/, solutions/, proxy/) renders and passes `nginx -t`.
// It does not depend on the track, so the solutions run below leaves it out.
const nginxTemplatesTest = "test/nginx-templates.test.ts";
step("nginx templates (render + nginx -t)", "npx", [
  "vitest",
  "run",
  "--reporter=dot",
  nginxTemplatesTest,
]);

// Solutions: every test file, lab or not, must pass.
const solutions = runTests("solutions", [`--exclude=${nginxTemplatesTest}`]);
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
const starters = runTests(
  "labs",
  labs.map((lab) => lab.slice(0, "labNN".length)),
);
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
