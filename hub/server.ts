// The workshop hub — `npm start`. A home page listing the labs in order (what each teaches,
// its instructions, page, slides, the command that checks it, and whether it passes yet),
// and a stream inspector that shows an SSE stream's raw bytes, events and reconnects.
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { createServer as createViteServer } from "vite";
import { type ProgressFile, progressFile, readProgress } from "../tools/progress-reporter.ts";
import { type LabInfo, listLabs } from "./labs.ts";
import { escapeHtml, renderInline, renderMarkdown } from "./markdown.ts";

const hubDir = path.dirname(fileURLToPath(import.meta.url));

export interface Options {
  port: number;
  host: string;
  /** The repository whose labs/ the hub lists. */
  root: string;
  /** Where the test reporter records which labs pass. */
  progressFile: string;
  /** Where `npm run slides` serves the decks. */
  slidesUrl: string;
  /** Where `npm run lab -- N` serves a lab's page, and its server. */
  labPageUrl: string;
  labServerUrl: string;
}

export const defaults: Options = {
  port: 5170,
  host: "localhost",
  root: path.resolve(hubDir, ".."),
  progressFile,
  slidesUrl: "http://localhost:5174",
  labPageUrl: "http://localhost:5173",
  labServerUrl: "http://localhost:8080",
};

const style = `
  body { font: 17px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; padding: 0 1rem; color: #222; }
  header nav a { margin-right: 1rem; }
  ol.labs { list-style: none; padding: 0; }
  ol.labs > li { border: 1px solid #ddd; border-radius: 0.5rem; padding: 0.8rem 1rem; margin: 0.8rem 0; }
  ol.labs h2 { margin: 0 0 0.3rem; font-size: 1.2rem; }
  .links a { margin-right: 1rem; }
  .progress { float: right; font-size: 0.9rem; padding: 0.1rem 0.6rem; border-radius: 1rem; background: #eee; }
  .progress[data-status="pass"] { background: #c8f7c5; }
  .progress[data-status="fail"] { background: #ffe0e0; }
  code { background: #f4f4f4; padding: 0 0.2rem; border-radius: 0.2rem; }
  pre { background: #f4f4f4; padding: 0.6rem 0.8rem; overflow-x: auto; }
  pre code { background: none; padding: 0; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; }
  .learn { margin: 0.3rem 0; font-size: 0.95rem; color: #444; }
  .time { color: #444; }
  nav.lab-nav { display: flex; justify-content: space-between; gap: 1rem; margin: 1rem 0; }
  nav.lab-nav a[rel="next"] { margin-left: auto; text-align: right; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>${escapeHtml(title)}</title>
<style>${style}</style></head>
<body><header><nav><a href="/">Labs</a><a href="/inspector/">Stream inspector</a><a href="/instructor">Instructor guide</a></nav></header>
${body}</body></html>`;
}

function progressBadge(lab: LabInfo, progress: ProgressFile): string {
  const run = progress[lab.id];
  if (!run) return `<span class="progress" data-status="untested">not tested yet</span>`;
  const when = new Date(run.at).toLocaleString("en-GB");
  const label =
    run.status === "pass"
      ? `✓ passes (${run.passed} tests)`
      : `✗ ${run.failed} of ${run.passed + run.failed} tests failing`;
  return `<span class="progress" data-status="${run.status}" title="last run ${escapeHtml(when)}">${label}</span>`;
}

/** "page" and "slides" links of a lab, where it has them. */
function labLinks(lab: LabInfo, options: Options): string[] {
  const page = lab.hasPage
    ? `<a href="${options.labPageUrl}/?server=${encodeURIComponent(options.labServerUrl)}">page</a>`
    : "";
  const slides = lab.deck ? `<a href="${options.slidesUrl}/${lab.deck}.html">slides</a>` : "";
  return [page, slides].filter((link) => link !== "");
}

function timeNote(lab: LabInfo): string {
  return lab.minutes ? ` · <span class="time">about ${lab.minutes} min</span>` : "";
}

function renderHome(labs: LabInfo[], progress: ProgressFile, options: Options): string {
  const passing = labs.filter((lab) => progress[lab.id]?.status === "pass").length;
  const items = labs.map((lab) => {
    const number = String(lab.number);
    const learn =
      lab.learn.length > 0
        ? `<ul class="learn">${lab.learn.map((item) => `<li>${renderInline(item)}</li>`).join("")}</ul>`
        : "";
    return `<li data-lab="${lab.id}">
  ${progressBadge(lab, progress)}
  <h2>${escapeHtml(lab.title)}</h2>
  <p>${renderInline(lab.summary)}</p>
  ${learn}
  <p class="links"><a href="/labs/${lab.name}">instructions</a>${labLinks(lab, options).join("")}</p>
  <p>Run it: <code>npm run lab -- ${number}</code> · check it: <code>npm test -- ${lab.id}</code>${timeNote(lab)}</p>
</li>`;
  });
  return layout(
    "SSE workshop",
    `<h1>Server-Sent Events — the workshop</h1>
<p>Work through the labs in order. Each one: read the instructions, fill in the <code>TODO</code>s
in <code>labs/</code>, run <code>npm test -- labNN</code> until it passes.
Slides: <code>npm run slides</code> (served at <a href="${options.slidesUrl}/">${options.slidesUrl}</a>).
Teaching it? The <a href="/instructor">instructor guide</a> has the agendas and the pre-flight checklist.</p>
<p id="progress-summary">${passing} of ${labs.length} labs pass.</p>
<ol class="labs">${items.join("\n")}</ol>`,
  );
}

/** A lab's exercise sheet, with the way to the labs before and after it, its page and slides. */
function renderLabPage(labs: LabInfo[], lab: LabInfo, readme: string, options: Options): string {
  const at = labs.indexOf(lab);
  const previous = labs[at - 1];
  const next = labs[at + 1];
  const nav = `<nav class="lab-nav">${
    previous
      ? `<a rel="prev" href="/labs/${previous.name}">← ${escapeHtml(previous.title)}</a>`
      : `<a rel="prev" href="/">← All labs</a>`
  }${
    next
      ? `<a rel="next" href="/labs/${next.name}">${escapeHtml(next.title)} →</a>`
      : `<a rel="next" href="/">All labs →</a>`
  }</nav>`;
  const links = labLinks(lab, options);
  const linkLine =
    links.length > 0
      ? `<p class="links">${links.join("")} <span class="time">(the page needs <code>npm run lab -- ${lab.number}</code>, the slides <code>npm run slides</code>)</span></p>`
      : "";
  return `${nav}\n${linkLine}\n${renderMarkdown(readme)}\n${nav}`;
}

/**
 * Pass a stream through, chunk by chunk, so the inspector page can read any lab's stream
 * without that lab allowing the hub's origin (CORS). The bytes are not changed or held:
 * each chunk is written as soon as it arrives. Last-Event-ID is forwarded both ways.
 */
async function relayStream(req: express.Request, res: express.Response) {
  const target = String(req.query.url ?? "");
  if (!/^https?:\/\//.test(target)) {
    res.status(400).type("text/plain").send("?url= must be an http(s) URL");
    return;
  }
  const upstream = new AbortController();
  res.on("close", () => upstream.abort());
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  const lastEventId = req.get("Last-Event-ID");
  if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
  let response: Response;
  try {
    response = await fetch(target, { headers, signal: upstream.signal });
  } catch {
    // Mirror what the browser would have met: a network error (so EventSource retries),
    // not an HTTP error page (which would make it give up).
    res.destroy();
    return;
  }
  res.status(response.status);
  for (const name of ["content-type", "cache-control"]) {
    const value = response.headers.get(name);
    if (value) res.setHeader(name, value);
  }
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch {
    // The upstream dropped (or the page left): drop this side too, as the real link would.
    res.destroy();
  }
}

export async function createHub(options: Options, httpServer: Server) {
  const app = express();

  app.get("/", (_req, res) => {
    res
      .type("html")
      .send(renderHome(listLabs(options.root), readProgress(options.progressFile), options));
  });

  app.get("/labs/:name", (req, res) => {
    const labs = listLabs(options.root);
    const lab = labs.find((candidate) => candidate.name === req.params.name);
    if (!lab) {
      res.status(404).type("text/plain").send("no such lab");
      return;
    }
    const readme = readFileSync(path.join(options.root, "labs", lab.name, "README.md"), "utf8");
    res.type("html").send(layout(lab.title, renderLabPage(labs, lab, readme, options)));
  });

  app.get("/instructor", (_req, res) => {
    const guide = path.join(options.root, "docs", "instructor.md");
    if (!existsSync(guide)) {
      res.status(404).type("text/plain").send("no docs/instructor.md");
      return;
    }
    const slides = `<p class="links"><a href="${options.slidesUrl}/instructor.html">slides</a></p>`;
    res
      .type("html")
      .send(layout("Instructor guide", slides + renderMarkdown(readFileSync(guide, "utf8"))));
  });

  app.get("/relay", relayStream);

  // The inspector page is TypeScript, compiled on the fly by Vite like the labs' pages.
  const vite = await createViteServer({
    configFile: false,
    root: path.join(hubDir, "pages"),
    logLevel: "warn",
    clearScreen: false,
    // No hot reload, and Vite's client socket on the hub's own port: left alone, Vite would
    // listen on port 24678 on every interface, where a student's own Vite app wants it.
    server: { middlewareMode: true, hmr: false, ws: { server: httpServer }, watch: null },
    appType: "mpa",
  });
  app.use(vite.middlewares);
  return { app, vite };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const server = createHttpServer();
  const { app, vite } = await createHub(options, server);
  server.on("request", app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `port ${options.port} is in use — is the hub already running? Open http://localhost:${options.port}/, ` +
                `or stop the other one, or pick another port: PORT=${options.port + 1} npm start`,
            )
          : error,
      );
    });
    server.listen(options.port, options.host, resolve);
  }).catch(async (error: unknown) => {
    await vite.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats: () => ({}),
    close: async () => {
      await vite.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = await startServer({ port: Number(process.env.PORT ?? defaults.port) }).catch(
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
  const { url } = started;
  console.log(`\nSSE workshop hub: ${url}/`);
  console.log(`  stream inspector: ${url}/inspector/`);
  console.log("  slides: npm run slides · a lab: npm run lab -- 1 · check it: npm test -- lab01\n");
}
