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
// What package.json's engines (and Vite 8) accept: ^20.19 || >=22.12.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const supported = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
const newNode = "install an LTS from https://nodejs.org, or `nvm install` (it reads .nvmrc)";
if (!supported)
  bad(`Node ${process.version} is not supported: the workshop needs ^20.19 or >=22.12`, newNode);
else if (major === 20)
  ok(`Node ${process.version} (works, but Node 20 is end-of-life: ${newNode})`);
else ok(`Node ${process.version}`);

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
const ports = (process.env.WORKSHOP_DOCTOR_PORTS ?? "5170,5173,5174,8080,8081,8082,6379")
  .split(",")
  .map(Number);
const uses: Record<number, string> = {
  5170: "the hub (npm start)",
  5173: "a lab's page (npm run lab)",
  5174: "the slides (npm run slides)",
  8080: "a lab's server, or nginx in front of it (npm run lab)",
  8081: "the app behind nginx (labs 04–07, 10, 11)",
  8082: "the second app behind nginx (labs 05, 06)",
  6379: "Redis (npm run lab -- 6)",
};
const finder = process.platform === "win32" ? "netstat -ano | findstr :PORT" : "lsof -i :PORT";
for (const port of ports) {
  const what = uses[port] ?? "the workshop";
  if (!(await acceptsConnections(port))) {
    ok(`port ${port} free (${what})`);
  } else if (port === 6379) {
    // Debian's redis-server package starts a system Redis there; lab 06 then takes a free port.
    ok(`port 6379 is in use (a system Redis?): npm run lab -- 6 starts its own on a free port`);
  } else {
    const other =
      port >= 8080 && port <= 8082 ? " — or move the lab: PORT=9090 npm run lab -- N" : "";
    bad(
      `port ${port} (${what}) is in use`,
      `see what holds it: ${finder.replace("PORT", String(port))}, and stop it${other}`,
    );
  }
}

console.log(
  problems.length === 0
    ? "\nAll good."
    : `\n${problems.length} problem(s): fix them with the commands above.`,
);
process.exit(problems.length === 0 ? 0 : 1);
