import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { repoRoot } from "./curriculum.ts";
import { findProgram } from "./find-program.ts";
import { acceptsConnections, freePort } from "./free-port.ts";
import { stopWithThisProcess } from "./stop-with-this-process.ts";
import { createSelfSignedCert, type SelfSignedCert } from "./tls-cert.ts";

export interface RunningNginx {
  /** http://127.0.0.1:PORT (https:// when the template turns on TLS) — what a client connects to. */
  url: string;
  port: number;
  pid: number;
  /** The config nginx was given, after rendering, for failure messages. */
  config: string;
  /** nginx's warnings and errors so far: put them in an assertion message when a proxied request misbehaves. */
  errorLog(): string;
  /** The access log so far (`access.log` in nginx's prefix, where a template's relative path goes too). */
  accessLog(): string;
  /** Where that log is, for a person to `tail -f` (npm run lab prints it). */
  accessLogPath: string;
  /** Stop nginx (SIGTERM: close every connection now) and wait until it has exited. */
  stop(): Promise<void>;
}

const installHint =
  "nginx is needed for this test and was not found. Install it: " +
  "Debian/Ubuntu `sudo apt-get install -y nginx-light`, macOS `brew install nginx` " +
  "(or point NGINX_BIN at the binary).";

/** The nginx binary: NGINX_BIN, else the PATH, else Debian's /usr/sbin/nginx. */
export function findNginx(): string {
  return findProgram({
    envVar: "NGINX_BIN",
    names: ["nginx"],
    knownPaths: ["/usr/sbin/nginx"],
    installHint,
  });
}

/**
 * Replace `${NAME}` and `$NAME` for the given names only, as the official nginx image's
 * envsubst does with the variables set in its environment. nginx's own variables
 * (`$host`, `$arg_client`, …) are not given, so they stay as they are.
 * A `${UPPER_CASE}` left over means the template needs a variable nobody set: in Docker
 * nginx would refuse to start, so refuse here too.
 */
export function renderTemplate(template: string, vars: Record<string, string | number>): string {
  let text = template;
  for (const [name, value] of Object.entries(vars)) {
    text = text
      .replaceAll(`\${${name}}`, String(value))
      .replace(new RegExp(`\\$${name}(?![A-Za-z0-9_])`, "g"), String(value));
  }
  const missing = [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]))];
  if (missing.length > 0) {
    throw new Error(`the template uses ${missing.map((m) => `\${${m}}`).join(", ")}, not given`);
  }
  return text;
}

/**
 * How a template turns on HTTP/2 (lab 07), in the spelling every nginx since 1.9.5 accepts:
 * `listen PORT ssl ${HTTP2_LISTEN};` with HTTP2_LISTEN=http2, and an empty ${HTTP2_DIRECTIVE}.
 * nginx 1.25.1+ warns that this is deprecated; docker-compose.yml (nginx 1.28) gives the new
 * spelling instead: HTTP2_LISTEN empty, HTTP2_DIRECTIVE="http2 on;".
 */
export const http2ListenSyntax = { HTTP2_LISTEN: "http2", HTTP2_DIRECTIVE: "" };

let certificate: SelfSignedCert | undefined;

/**
 * One self-signed certificate per process: every nginx a test file starts shares it, and
 * `npm run lab -- 7` keeps it across nginx restarts, so a student accepts it once per run.
 */
function certificateForThisProcess(): SelfSignedCert {
  if (!certificate) {
    const dir = mkdtempSync(path.join(tmpdir(), "sse-tls-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    certificate = createSelfSignedCert(dir);
  }
  return certificate;
}

/**
 * Write a complete nginx setup into a fresh temp dir (the nginx "prefix"): a main
 * nginx.conf shaped like the official Docker image's (events {}, http { include conf.d/*.conf })
 * and the rendered template as conf.d/default.conf, the way the image renders
 * /etc/nginx/templates/default.conf.template. Everything nginx writes stays in the prefix.
 * A template with `ssl_certificate` gets a fresh self-signed certificate in tls/ (nginx reads
 * relative paths from the prefix: /etc/nginx/ in the image, where compose makes one too).
 */
function writePrefix(templatePath: string, vars: Record<string, string | number>) {
  const config = renderTemplate(readFileSync(templatePath, "utf8"), {
    ...http2ListenSyntax,
    ...vars,
  });
  const prefix = mkdtempSync(path.join(tmpdir(), "sse-nginx-"));
  mkdirSync(path.join(prefix, "conf.d"));
  mkdirSync(path.join(prefix, "temp"));
  const tls = /^\s*ssl_certificate\s/m.test(config);
  if (tls) {
    mkdirSync(path.join(prefix, "tls"));
    const { certFile, keyFile } = certificateForThisProcess();
    copyFileSync(certFile, path.join(prefix, "tls", "cert.pem"));
    copyFileSync(keyFile, path.join(prefix, "tls", "key.pem"));
  }
  const errorLog = path.join(prefix, "error.log");
  const main = [
    // As root, nginx's workers switch to `nobody`, who cannot enter this 0700 temp dir:
    // streams still pass, but a POST body larger than the in-memory buffer goes to
    // client_body_temp and fails with 500. Keep the workers as the user who owns the dir.
    ...(process.getuid?.() === 0 ? ["user root;"] : []),
    "daemon off;",
    "worker_processes 1;",
    `pid ${path.join(prefix, "nginx.pid")};`,
    `error_log ${errorLog} info;`,
    "events { worker_connections 1024; }",
    "http {",
    "  default_type application/octet-stream;",
    `  access_log ${path.join(prefix, "access.log")};`,
    // Debian's built-in temp paths are under /var/lib/nginx: even `nginx -t` fails there
    // without root. Every one of the five goes into the prefix.
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
      (kind) => `  ${kind}_temp_path ${path.join(prefix, "temp", kind)};`,
    ),
    `  include ${path.join(prefix, "conf.d", "*.conf")};`,
    "}",
    "",
  ].join("\n");
  writeFileSync(path.join(prefix, "nginx.conf"), main);
  writeFileSync(path.join(prefix, "conf.d", "default.conf"), config);
  const args = ["-p", `${prefix}/`, "-c", path.join(prefix, "nginx.conf"), "-e", errorLog];
  return { prefix, config, errorLog, args, tls };
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/**
 * Check a template with `nginx -t`: rendered with `vars` (NGINX_PORT defaults to 8080,
 * nothing binds it), in a throwaway prefix exactly like startNginx's.
 */
export function checkNginxConfig(
  templatePath: string,
  vars: Record<string, string | number> = {},
): { ok: boolean; output: string } {
  const binary = findNginx();
  const { prefix, args } = writePrefix(templatePath, { NGINX_PORT: 8080, ...vars });
  try {
    const result = spawnSync(binary, ["-t", ...args], { encoding: "utf8" });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

/**
 * Start a real nginx with a template, rendered with `vars` plus NGINX_PORT (a free port, or
 * `options.port`). It runs in the foreground as our child; the caller stops it.
 * If it does not come up, the error says why, with nginx's own error log.
 * Tests use startNginx (nginx.ts), which also stops it after the test; scripts use this.
 */
export async function launchNginx(
  templatePath: string,
  vars: Record<string, string | number> = {},
  options: { startTimeoutMs?: number; port?: number } = {},
): Promise<RunningNginx> {
  const binary = findNginx();
  // Another process may grab the free port between our check and nginx's bind: try again then.
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const { prefix, config, errorLog, args, tls } = writePrefix(templatePath, {
      ...vars,
      NGINX_PORT: port,
    });
    let output = "";
    const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    stopWithThisProcess(child);
    child.stdout?.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    child.stderr?.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    const errorLogText = () => `${output}${readLog(errorLog)}`.trim();

    const stop = async () => {
      if (running) {
        child.kill("SIGTERM");
        const stopped = await Promise.race([exited.then(() => true), delay(3000)]);
        if (!stopped) child.kill("SIGKILL");
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    };

    const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
    while (running && !(await acceptsConnections(port))) {
      if (Date.now() > deadline) break;
      await delay(10);
    }
    if (running && (await acceptsConnections(port))) {
      return {
        url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        port,
        pid: child.pid ?? 0,
        config,
        // For failure messages: warnings and worse. nginx logs at info level (a client that
        // went away), and its start-up notices would push the test's own words out of sight.
        errorLog: () =>
          `nginx error log (warn and worse):\n${errorLogText()
            .split("\n")
            .filter((line) => !/\[(notice|info|debug)\]/.test(line))
            .join("\n")}`,
        accessLog: () => readLog(path.join(prefix, "access.log")),
        accessLogPath: path.join(prefix, "access.log"),
        stop,
      };
    }
    const log = errorLogText();
    await stop();
    if (attempt < 3 && !options.port && log.includes("Address already in use")) continue;
    throw new Error(
      `nginx did not start listening on port ${port}.\nerror log:\n${log}\nconfig:\n${config}`,
    );
  }
}

/** The variables a template may use, with the kind of value each gets. */
export const templateVariables = {
  NGINX_PORT: 8080,
  APP_UPSTREAM: "127.0.0.1:8081",
  APP_1: "127.0.0.1:8081",
  APP_2: "127.0.0.1:8082",
  PROXY_READ_TIMEOUT: "60s",
  ...http2ListenSyntax,
};

/** Paths (relative to the repo) of every nginx template the tests run. */
export function nginxTemplates(): string[] {
  const inLabs = ["labs", "solutions"].flatMap((track) =>
    readdirSync(path.join(repoRoot, track))
      .filter((lab) => /^lab\d\d-/.test(lab))
      .flatMap((lab) =>
        readdirSync(path.join(repoRoot, track, lab))
          .filter((file) => file.endsWith(".template"))
          .map((file) => `${track}/${lab}/${file}`),
      ),
  );
  const shared = readdirSync(path.join(repoRoot, "proxy"))
    .filter((file) => file.endsWith(".template"))
    .map((file) => `proxy/${file}`);
  return [...shared, ...inLabs].sort();
}
