// npm run lab -- 3       start lab 03 from labs/ (your code)
// npm run solution -- 3  the same from solutions/
// Starts the lab's server with reload on save (tsx watch) and its client page through Vite,
// then prints the URLs. Ctrl+C stops both.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { acceptsConnections, freePort } from "../tools/free-port.ts";
import { launchNginx, type RunningNginx } from "../tools/nginx-process.ts";
import { launchRedis, type RunningRedis } from "../tools/redis-process.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [track = "labs", which] = process.argv.slice(2);

function findLab(track: string, which: string | undefined): string {
  const number = String(which ?? "").padStart(2, "0");
  const folder = readdirSync(path.join(root, track)).find((name) =>
    name.startsWith(`lab${number}-`),
  );
  if (!which || !folder) {
    const labs = readdirSync(path.join(root, track)).filter((name) => /^lab\d\d-/.test(name));
    console.error(
      `Usage: npm run ${track === "labs" ? "lab" : "solution"} -- <number>\nLabs: ${labs.join(", ")}`,
    );
    process.exit(2);
  }
  return path.join(root, track, folder);
}

const children: ChildProcess[] = [];

/** Run the lab's server.ts with tsx in watch mode: saving the file restarts it. */
function startAppServer(
  labDir: string,
  port: number,
  env: Record<string, string> = {},
): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--watch", path.join(labDir, "server.ts")],
    {
      cwd: root,
      env: { ...process.env, PORT: String(port), ...env },
      stdio: "inherit",
    },
  );
  children.push(child);
  return child;
}

async function startClientPage(labDir: string) {
  const clientDir = path.join(labDir, "client");
  if (!existsSync(clientDir)) return undefined;
  // strictPort: on another port the page's origin would not be in the lab server's CORS list
  // (it allows http://localhost:5173 only), and the page would just say "closed".
  const vite = await createServer({
    root: clientDir,
    server: { port: pagePort, strictPort: true },
    logLevel: "warn",
  });
  await vite.listen();
  return vite;
}

let nginx: RunningNginx | undefined;
let redis: RunningRedis | undefined;

/**
 * Lab 06 onwards (a lab with redis-broker.ts): start a real redis-server for the instances to
 * share, on REDIS_PORT (6379) or a free port if that one is taken. Its append-only file lives
 * in a fixed temp dir, so the stream survives restarts of the lab.
 */
async function startRedisFor(labDir: string): Promise<Record<string, string>> {
  if (!existsSync(path.join(labDir, "redis-broker.ts"))) return {};
  const wanted = Number(process.env.REDIS_PORT ?? 6379);
  const port = (await acceptsConnections(wanted)) ? await freePort() : wanted;
  const dir = path.join(tmpdir(), "sse-workshop-redis");
  mkdirSync(dir, { recursive: true });
  redis = await launchRedis(port, dir);
  console.log(`  redis   ${redis.url}   (outage: redis-cli -p ${port} shutdown;`);
  console.log(`          back: redis-server --port ${port} --dir ${dir} --appendonly yes)`);
  return { REDIS_URL: redis.url };
}

/**
 * Start one app instance per upstream the template names (lab 05: two, called app1 and app2),
 * then a real nginx on `port` with the rendered template. Saving the template restarts nginx.
 */
async function startBehindNginx(template: string, port: number) {
  const text = readFileSync(template, "utf8");
  const instances = /\bAPP_2\b/.test(text) ? ["app1", "app2"] : ["app1"];
  const redisEnv = await startRedisFor(labDir);
  const vars: Record<string, string> = {
    PROXY_READ_TIMEOUT: process.env.PROXY_READ_TIMEOUT ?? "60s",
  };
  instances.forEach((name, i) => {
    const appPort = port + 1 + i;
    startAppServer(labDir, appPort, { HOST: "127.0.0.1", INSTANCE: name, ...redisEnv });
    vars[`APP_${i + 1}`] = `127.0.0.1:${appPort}`;
    console.log(`  ${name}    http://127.0.0.1:${appPort}${endpoint}   (direct, bypassing nginx)`);
  });
  vars.APP_UPSTREAM = vars.APP_1 ?? "";
  const launch = async () => {
    try {
      nginx = await launchNginx(template, vars, { port });
      console.log(`  nginx   ${nginx.url}${endpoint}   (${path.relative(root, template)})`);
      console.log(`          its access log: ${nginx.accessLogPath}`);
    } catch (error) {
      console.error(`nginx did not start: ${(error as Error).message}`);
    }
  };
  await launch();
  let restarting = false;
  watch(template, async () => {
    if (restarting) return;
    restarting = true;
    await nginx?.stop();
    console.log("nginx.conf.template changed: restarting nginx");
    await launch();
    restarting = false;
  });
}

function stopAll() {
  for (const child of children) child.kill("SIGTERM");
  void Promise.all([nginx?.stop(), redis?.stop()]).finally(() => process.exit(0));
}
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);

const labDir = findLab(track, which);
// Lab 11 streams the answer to a POST /chat; every other lab streams GET /stream.
const endpoint = path.basename(labDir).startsWith("lab11-") ? "/chat (POST)" : "/stream";
const serverPort = Number(process.env.PORT ?? 8080);
const serverUrl = `http://localhost:${serverPort}`;
const template = path.join(labDir, "nginx.conf.template");
const pagePort = 5173;

/**
 * Say which port is taken and how to go on, before starting anything: a server that moves
 * to another port without a word is a trap (the page's CORS origin, the URLs in the README).
 */
async function refuseBusyPorts() {
  const lab = path.basename(labDir).slice(3, 5).replace(/^0/, "");
  const command = track === "labs" ? "lab" : "solution";
  const templateText = existsSync(template) ? readFileSync(template, "utf8") : undefined;
  const instances = templateText === undefined ? 0 : /\bAPP_2\b/.test(templateText) ? 2 : 1;
  const serverPorts = [
    serverPort,
    ...Array.from({ length: instances }, (_, i) => serverPort + 1 + i),
  ];
  const problems: string[] = [];
  for (const port of serverPorts) {
    if (await acceptsConnections(port)) {
      problems.push(
        `port ${port} is in use — stop the other server (another \`npm run lab\`?) or pick another: ` +
          `PORT=${serverPort === 9090 ? 9190 : 9090} npm run ${command} -- ${lab}`,
      );
    }
  }
  if (existsSync(path.join(labDir, "client")) && (await acceptsConnections(pagePort))) {
    problems.push(
      `port ${pagePort} (the lab's page) is in use — stop the other \`npm run lab\` (Ctrl+C in its ` +
        "terminal) or whatever holds it (`npm run doctor` shows how to find it). The page must be on " +
        `${pagePort}: it is the origin the lab servers allow (CORS).`,
    );
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
}
await refuseBusyPorts();
if (existsSync(template)) {
  // Labs 04–05: the app instance(s) on the next ports, nginx with the lab's template in front.
  await startBehindNginx(template, serverPort);
} else {
  startAppServer(labDir, serverPort);
}
const vite = await startClientPage(labDir);
const pageUrl = vite?.resolvedUrls?.local[0];

console.log(`\n${path.relative(root, labDir)}`);
console.log(
  existsSync(template)
    ? `  proxied ${serverUrl}${endpoint}   (through nginx; the app restarts when you save server.ts)`
    : `  server  ${serverUrl}${endpoint}   (restarts when you save server.ts)`,
);
if (existsSync(template) && readFileSync(template, "utf8").includes("HTTP2_LISTEN")) {
  // Lab 07: nginx speaks TLS + HTTP/2 (once TODO 1 is done), with a self-signed certificate.
  const https = `https://localhost:${serverPort}`;
  const direct = `http://localhost:${serverPort + 1}`;
  console.log(`  https   ${https}/stream   (TLS + HTTP/2 once TODO 1 is done; curl needs -k)`);
  console.log("  The certificate is self-signed: open the https address once, click");
  console.log(
    '  "Advanced" → "Proceed to localhost", then reload the page (streams fail until then).',
  );
  if (pageUrl) {
    console.log(`  page    ${pageUrl}?server=${encodeURIComponent(https)}   (h2: 8 of 8 streams)`);
    console.log(
      `          ${pageUrl}?server=${encodeURIComponent(direct)}   (HTTP/1.1: 6, then the wall)`,
    );
  }
} else if (pageUrl) console.log(`  page    ${pageUrl}?server=${encodeURIComponent(serverUrl)}`);
console.log(`  check   npm test -- ${path.basename(labDir).slice(0, 5)}\n`);
