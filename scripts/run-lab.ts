// npm run lab -- 3       start lab 03 from labs/ (your code)
// npm run solution -- 3  the same from solutions/
// Starts the lab's server with reload on save (tsx watch) and its client page through Vite,
// then prints the URLs. Ctrl+C stops both.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";

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
  const vite = await createServer({
    root: clientDir,
    server: { port: 5173, strictPort: false },
    logLevel: "warn",
  });
  await vite.listen();
  return vite;
}

function stopAll() {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
}
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);

const labDir = findLab(track, which);
const serverPort = Number(process.env.PORT ?? 8080);
const serverUrl = `http://localhost:${serverPort}`;
startAppServer(labDir, serverPort);
const vite = await startClientPage(labDir);
const pageUrl = vite?.resolvedUrls?.local[0];

console.log(`\n${path.relative(root, labDir)}`);
console.log(`  server  ${serverUrl}/stream   (restarts when you save server.ts)`);
if (pageUrl) console.log(`  page    ${pageUrl}?server=${encodeURIComponent(serverUrl)}`);
console.log(`  check   npm test -- ${path.basename(labDir).slice(0, 5)}\n`);
