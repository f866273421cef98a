// `npm run slides`: serve every docs/NN-*.md page as a reveal.js deck through Vite.
// Each request builds its deck from the current docs page and the current solutions/ code,
// so an edit to either shows up on reload; a broken code marker stops the start-up.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type Plugin, type ViteDevServer } from "vite";
import { escapeHtml } from "../hub/markdown.ts";
import {
  buildAllDecks,
  buildDeck,
  listDeckPages,
  renderDeckPage,
  renderIndexPage,
} from "./build.ts";

const slidesDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(slidesDir, "..");

export interface SlidesOptions {
  port: number;
  host: string;
  /** Where the NN-*.md pages are; their diagrams/ folder is served next to the decks. */
  docsDir: string;
  /** Code markers name files relative to this folder (the repository). */
  root: string;
  logLevel: "info" | "silent";
  /** Reload an open deck when its page or code changes. Tests turn it off: no reload mid-test. */
  liveReload: boolean;
}

export const defaults: SlidesOptions = {
  port: 5174,
  host: "localhost",
  docsDir: path.join(repoRoot, "docs"),
  root: repoRoot,
  logLevel: "info",
  liveReload: true,
};

/** Serves `/` (the list of decks) and `/<page>.html` (one deck), built on each request. */
function decksPlugin(options: SlidesOptions): Plugin {
  return {
    name: "workshop-decks",
    configureServer(server) {
      // Reload the open deck when its page or the code it shows changes.
      if (options.liveReload) {
        server.watcher.add([options.docsDir, path.join(options.root, "solutions")]);
        server.watcher.on("change", (file) => {
          if (
            file.startsWith(options.docsDir) ||
            file.includes(`${path.sep}solutions${path.sep}`)
          ) {
            server.ws.send({ type: "full-reload" });
          }
        });
      }

      server.middlewares.use(
        async (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
          const url = new URL(req.url ?? "/", "http://localhost");
          const pages = listDeckPages(options.docsDir);
          let html: string;
          try {
            if (url.pathname === "/" || url.pathname === "/index.html") {
              html = renderIndexPage(buildAllDecks(options.docsDir, options.root));
            } else {
              const page = pages.find(
                (file) => `/${path.basename(file, ".md")}.html` === url.pathname,
              );
              if (!page) return next();
              html = renderDeckPage(buildDeck(page, options.root));
            }
            html = await server.transformIndexHtml(url.pathname, html);
            res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
            res.end(html);
          } catch (error) {
            // Show the build error in the browser too: the instructor sees which marker broke.
            const message = error instanceof Error ? error.message : String(error);
            server.config.logger.error(message);
            res.writeHead(500, { "Content-Type": "text/html; charset=utf-8" });
            res.end(
              `<!doctype html><title>Slides build error</title><pre>${escapeHtml(message)}</pre>`,
            );
          }
        },
      );
    },
  };
}

export interface RunningSlides {
  url: string;
  /** Every deck's address, in course order. */
  deckUrls: { name: string; title: string; url: string }[];
  vite: ViteDevServer;
  close(): Promise<void>;
}

export async function startSlidesServer(
  overrides: Partial<SlidesOptions> = {},
): Promise<RunningSlides> {
  const merged = { ...defaults, ...overrides };
  const options = {
    ...merged,
    docsDir: path.resolve(merged.docsDir),
    root: path.resolve(merged.root),
  };
  // Build once before serving: a code marker whose region is gone fails here, loudly.
  const decks = buildAllDecks(options.docsDir, options.root);

  const vite = await createServer({
    configFile: false,
    root: slidesDir,
    // docs/diagrams/x.svg is served as /diagrams/x.svg, where a deck's `diagrams/x.svg` points.
    publicDir: options.docsDir,
    // Its own cache, so it never races the lab pages' Vite servers over node_modules/.vite.
    cacheDir: path.join(repoRoot, "node_modules", ".vite-slides"),
    logLevel: options.logLevel,
    clearScreen: false,
    server: {
      port: options.port,
      host: options.host,
      strictPort: true,
      ...(options.liveReload ? {} : { hmr: false, watch: null }),
    },
    // Bundle reveal.js before the first page loads, so no deck reloads mid-talk to optimise it.
    optimizeDeps: {
      entries: ["deck.ts"],
      include: [
        "reveal.js",
        "reveal.js/plugin/highlight",
        "reveal.js/plugin/markdown",
        "reveal.js/plugin/notes",
      ],
    },
    plugins: [decksPlugin(options)],
  });
  await vite.listen();
  const address = vite.httpServer?.address() as AddressInfo | null | undefined;
  if (!address) throw new Error("slides: Vite did not start listening");
  const { port } = address;
  const url = `http://${options.host}:${port}`;
  return {
    url,
    deckUrls: decks.map((deck) => ({
      name: deck.name,
      title: deck.title,
      url: `${url}/${deck.name}.html`,
    })),
    vite,
    close: () => vite.close(),
  };
}

// `npx tsx slides/server.ts` (npm run slides) serves the decks; importing it does not.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const slides = await startSlidesServer({
      port: Number(process.env.SLIDES_PORT ?? defaults.port),
    });
    console.log(`\nSlides on ${slides.url}/  (S opens the speaker notes)`);
    for (const deck of slides.deckUrls) console.log(`  ${deck.url}  ${deck.title}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
