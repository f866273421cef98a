// npm run doctor    is this machine ready for the workshop? Node's version, the system
//                   programs the labs run for real (and their versions), the workshop's ports.
// Each problem comes with the command that fixes it. Exit code 1 if anything is wrong.
import { spawnSync } from "node:child_process";
import { findChromium } from "../tools/chromium.ts";
import { acceptsConnections } from "../tools/free-port.ts";
import { findNginx } from "../tools/nginx-process.ts";
import { findRedisServer } from "../tools/redis-process.ts";
import { findOpenssl } from "../tools/tls-cert.ts";

const problems: string[] = [];
const ok = (what: string) => console.log(`  ✓ ${what}`);
const bad = (what: string, fix: string) => {
  console.log(`  ✗ ${what}\n      fix: ${fix.split("\n").join("\n           ")}`);
  problems.push(what);
};

console.log("Node");
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major > 20 || (major === 20 && minor >= 19)) ok(`Node ${process.version}`);
else
  bad(
    `Node ${process.version} is too old: the workshop needs ≥ 20.19`,
    "install Node 22 LTS from https://nodejs.org (or `nvm install 22`)",
  );

console.log("Programs");
const programs: [string, () => string, string[], string][] = [
  ["nginx (labs 04–07, 10, 11)", findNginx, ["-v"], "NGINX_BIN"],
  ["redis-server (lab 06)", findRedisServer, ["--version"], "REDIS_SERVER_BIN"],
  ["Chromium (page tests, slides)", findChromium, ["--version"], "CHROME_PATH"],
  ["openssl (lab 07's certificate)", findOpenssl, ["version"], "OPENSSL_BIN"],
];
for (const [name, find, versionArgs] of programs) {
  try {
    const binary = find();
    const run = spawnSync(binary, versionArgs, { encoding: "utf8", timeout: 10_000 });
    const version = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n")[0] ?? "";
    ok(`${name}: ${binary}${version ? ` — ${version}` : ""}`);
  } catch (error) {
    bad(`${name}: not found`, (error as Error).message);
  }
}

console.log("Ports");
const ports = (process.env.WORKSHOP_DOCTOR_PORTS ?? "5170,5173,5174,8080,6379")
  .split(",")
  .map(Number);
const uses: Record<number, string> = {
  5170: "the hub (npm start)",
  5173: "a lab's page (npm run lab)",
  5174: "the slides (npm run slides)",
  8080: "a lab's server (npm run lab)",
  6379: "Redis (npm run lab -- 6)",
};
const finder = process.platform === "win32" ? "netstat -ano | findstr :PORT" : "lsof -i :PORT";
for (const port of ports) {
  const what = uses[port] ?? "the workshop";
  if (await acceptsConnections(port)) {
    bad(
      `port ${port} (${what}) is in use`,
      `see what holds it: ${finder.replace("PORT", String(port))} — stop it, or (for 8080) use another: PORT=9090 npm run lab -- N`,
    );
  } else ok(`port ${port} free (${what})`);
}

console.log(
  problems.length === 0
    ? "\nAll good."
    : `\n${problems.length} problem(s): fix them with the commands above.`,
);
process.exit(problems.length === 0 ? 0 : 1);
