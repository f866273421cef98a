// npm run bench:loop                     time the student loop: `npm test -- labNN`, whole process
// npm run bench:loop -- --runs 5 --labs 01,02,03,04
// For each lab, on the untouched starter (labs/) and on the solution (solutions/), run the exact
// command a student types, N times, and print the median wall time (plus min/max). Then the
// pieces the time is made of, each measured alone: starting vitest with nothing to run,
// launching Chromium, starting Vite. Run it on a quiet machine: other work inflates every figure.
// On Linux it also reports the CPU time each command used (all its processes: vitest, its
// workers, Chromium, Vite, the lab servers, nginx, Redis) and the floor that sets: with N
// cores, no scheduling can finish a command in less than its CPU time divided by N.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { childrenCpuSeconds } from "../tools/cpu-time.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const runs = Number(option("runs", "3"));
const labNumbers = option("labs", "01,02,03")
  .split(",")
  .map((n) => n.trim().padStart(2, "0"));
const labs = readdirSync(path.join(root, "labs")).filter((name) =>
  labNumbers.some((n) => name.startsWith(`lab${n}-`)),
);

const cores = os.cpus().length;

/**
 * Run a command to its end; resolve to its wall time and CPU time in seconds.
 * npm needs a shell on Windows.
 */
function timed(command: string, args: string[], env: Record<string, string> = {}) {
  const started = performance.now();
  const cpuBefore = childrenCpuSeconds();
  return new Promise<{ seconds: number; cpu: number | undefined; code: number | null }>(
    (resolve) => {
      const child = spawn(command, args, {
        cwd: root,
        env: { ...process.env, ...env, CI: "", FORCE_COLOR: "0" },
        stdio: "ignore",
        shell: process.platform === "win32",
      });
      child.on("exit", (code) => {
        const cpuAfter = childrenCpuSeconds();
        resolve({
          seconds: (performance.now() - started) / 1000,
          cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
          code,
        });
      });
    },
  );
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function summary(seconds: number[]) {
  const sorted = [...seconds].sort((a, b) => a - b);
  const f = (s: number | undefined) => (s ?? Number.NaN).toFixed(2);
  return `${f(median(seconds))} s | ${f(sorted[0])}–${f(sorted.at(-1))} s`;
}

/** "9.6 s | 4.8 s": the median CPU time, and the least wall time it allows on this machine. */
function cpuSummary(cpu: (number | undefined)[]) {
  const known = cpu.filter((value) => value !== undefined);
  if (known.length < cpu.length) return "— | —";
  const used = median(known);
  return `${used.toFixed(1)} s | ${(used / cores).toFixed(1)} s`;
}

const rows: string[] = [];
async function bench(label: string, command: string, args: string[], env = {}) {
  const seconds: number[] = [];
  const cpu: (number | undefined)[] = [];
  let exitCode: number | null = null;
  for (let i = 0; i < runs; i++) {
    const result = await timed(command, args, env);
    seconds.push(result.seconds);
    cpu.push(result.cpu);
    exitCode = result.code;
  }
  const row = `| \`${label}\` | ${summary(seconds)} | ${cpuSummary(cpu)} | exit ${exitCode} |`;
  rows.push(row);
  console.log(row);
}

async function benchInProcess(label: string, once: () => Promise<void>) {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    seconds.push((performance.now() - started) / 1000);
  }
  const row = `| ${label} | ${summary(seconds)} | | | |`;
  rows.push(row);
  console.log(row);
}

console.log(
  `bench:loop — ${runs} runs each, ${cores} CPUs, load average ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}, Node ${process.version}\n`,
);
console.log(
  `| command | median | min–max | CPU | CPU ÷ ${cores} cores (least possible wall time) | |\n` +
    "| --- | --- | --- | --- | --- | --- |",
);
// One warm-up run, not counted: the first run after a checkout fills the OS's file cache.
await timed("npm", ["test", "--", labs[0]?.slice(0, 5) ?? "lab01"]);
for (const lab of labs) {
  const short = lab.slice(0, 5);
  await bench(`npm test -- ${short}`, "npm", ["test", "--", short]);
  await bench(`npm run test:solutions -- ${short}`, "npm", ["run", "test:solutions", "--", short], {
    WORKSHOP_TRACK: "solutions",
  });
}

// Where the time goes: each piece alone.
await bench("vitest run (no test file)", process.execPath, [
  path.join(root, "node_modules", "vitest", "vitest.mjs"),
  "run",
  "--passWithNoTests",
  "no-such-test-file",
]);
await benchInProcess("launch + close Chromium", async () => {
  const { launchBrowser } = await import("../tools/chromium.ts");
  const browser = await launchBrowser();
  await browser.close();
});
await benchInProcess("start + close Vite (lab01 page)", async () => {
  const { createServer } = await import("vite");
  const vite = await createServer({
    configFile: false,
    root: path.join(root, "labs", "lab01-first-stream", "client"),
    logLevel: "silent",
    server: { port: 0, hmr: false, watch: null },
  });
  await vite.listen();
  await vite.close();
});
console.log(
  `\nload average at the end: ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")} (above ${cores}, the figures are inflated by other work)`,
);
console.log(`(rerun: npm run bench:loop -- --runs ${runs} --labs ${labNumbers.join(",")})`);
