import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, TestRunner } from "vitest";
import { launchBrowser } from "../../tools/chromium.ts";
import { onCleanup } from "./cleanup.ts";
import { type RunningLab, type StartedLab, startLab } from "./lab-server.ts";
import { labFile, repoRoot } from "./track.ts";

// vite (like playwright-core, in chromium.ts) is imported on first use, so test files
// that never open a page do not pay for loading it.

let sharedBrowser: Promise<Browser> | undefined;

/**
 * One Chromium per test file (starting one takes 0.3–0.9 s), one fresh context per test:
 * a context is a new incognito-like profile, so tests stay independent.
 */
function browserForThisFile(): Promise<Browser> {
  sharedBrowser ??= launchBrowser();
  // A failed launch (no Chromium installed) must fail every test, not be cached as a success.
  sharedBrowser.catch(() => {
    sharedBrowser = undefined;
  });
  return sharedBrowser;
}

afterAll(async () => {
  const browser = await sharedBrowser?.catch(() => undefined);
  sharedBrowser = undefined;
  await browser?.close();
});

export interface BrowserPage {
  page: Page;
  /** console.error output and failed loads the page reported, in order. */
  consoleErrors: string[];
  /** Uncaught exceptions in the page's scripts: always a bug. */
  pageErrors: string[];
  /** textContent of the first match, or null when nothing matches (never waits). */
  textOf(selector: string): Promise<string | null>;
  /** textContent of every match, in document order. */
  textsOf(selector: string): Promise<string[]>;
  /** An attribute of the first match, or null (never waits). */
  attributeOf(selector: string, name: string): Promise<string | null>;
  /** An attribute of every match, in document order ("" where it is missing). */
  attributesOf(selector: string, name: string): Promise<string[]>;
  /** A line for failure messages: console and page errors so far. */
  describeErrors(): string;
}

/** A "Failed to load resource" for the favicon the browser asks for on its own. */
function isFaviconMiss(url: string): boolean {
  try {
    return new URL(url).pathname === "/favicon.ico";
  } catch {
    return false;
  }
}

/**
 * Open `url` in a new tab of a real Chromium and record its console errors and uncaught
 * exceptions. If the test fails, a screenshot of the page is saved under test-results/
 * and its path is added to the failure message. The tab is closed after the test.
 * `ignoreHTTPSErrors`: accept the self-signed certificate of a test nginx (lab 07).
 * `waitUntil: "domcontentloaded"` for a page whose requests may never finish (lab 07's
 * streams that wait for a connection hold the load event back).
 * Each call gets a fresh profile (context), unless `sameContextAs` names an earlier tab:
 * then the new tab shares its storage (IndexedDB, cookies), as a reload or a second tab would.
 */
export async function openPage(
  url: string,
  options: {
    ignoreHTTPSErrors?: boolean;
    waitUntil?: "load" | "domcontentloaded";
    sameContextAs?: BrowserPage;
  } = {},
): Promise<BrowserPage> {
  const test = TestRunner.getCurrentTest();
  const shared = options.sameContextAs?.page.context();
  const context =
    shared ??
    (await (
      await browserForThisFile()
    ).newContext({
      viewport: { width: 1000, height: 700 },
      ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    }));
  // No context.route() here: while any route is active, Playwright answers CORS preflights
  // itself and allows everything, so a test could never see the server refuse one (lab 10).
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Every browser asks for /favicon.ico; the labs have none, and its 404 is not the page's error.
    if (isFaviconMiss(message.location().url)) return;
    consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));

  // A test with two tabs (lab 06) gets one screenshot per tab, not the second over the first.
  const tab = test ? (tabsOpened.get(test) ?? 0) + 1 : 1;
  if (test) tabsOpened.set(test, tab);
  onCleanup(async () => {
    if (test?.result?.state === "fail" && !page.isClosed())
      await saveFailureScreenshot(page, test, tab);
    // A shared context belongs to the first tab, which closes it.
    await (shared ? page.close() : context.close());
  });

  const browserPage: BrowserPage = {
    page,
    consoleErrors,
    pageErrors,
    textOf: (selector) =>
      page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector),
    textsOf: (selector) =>
      page.evaluate(
        (s) => Array.from(document.querySelectorAll(s), (element) => element.textContent ?? ""),
        selector,
      ),
    attributeOf: (selector, name) =>
      page.evaluate(
        ([s, n]) => document.querySelector(s as string)?.getAttribute(n as string) ?? null,
        [selector, name],
      ),
    attributesOf: (selector, name) =>
      page.evaluate(
        ([s, n]) =>
          Array.from(
            document.querySelectorAll(s as string),
            (element) => element.getAttribute(n as string) ?? "",
          ),
        [selector, name],
      ),
    describeErrors: () =>
      `page errors: ${JSON.stringify(pageErrors)}; console errors: ${JSON.stringify(consoleErrors.slice(-5))}`,
  };
  await page.goto(url, { waitUntil: options.waitUntil ?? "load" });
  return browserPage;
}

type CurrentTest = NonNullable<ReturnType<typeof TestRunner.getCurrentTest>>;

const tabsOpened = new WeakMap<CurrentTest, number>();

async function saveFailureScreenshot(page: Page, test: CurrentTest, tab: number): Promise<void> {
  const file = path.basename(test.file.name, ".ts");
  const suffix = tab > 1 ? `-tab-${tab}` : "";
  const name = `${file} -- ${test.name}`.replace(/[^\w.-]+/g, "-").slice(0, 150) + suffix;
  const screenshot = path.join(repoRoot, "test-results", `${name}.png`);
  try {
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true, timeout: 2000 });
  } catch (error) {
    console.warn(`could not save a screenshot of the failed page: ${error}`);
    return;
  }
  const note = `\n(screenshot of the page: ${path.relative(process.cwd(), screenshot)})`;
  // Failure messages are already recorded by now; the reporters print them after this hook.
  for (const error of test.result?.errors ?? []) error.message += note;
  console.log(`${test.name}: screenshot saved to ${screenshot}`);
}

export interface ServedClient {
  /** The page's address, ending in "/". */
  url: string;
  /** The page's origin, which the lab server must allow (CORS). */
  origin: string;
  close(): Promise<void>;
}

const servedClients = new Map<string, Promise<ServedClient>>();

afterAll(async () => {
  const served = [...servedClients.values()];
  servedClients.clear();
  for (const client of served) await (await client.catch(() => undefined))?.close();
});

/**
 * Serve `<track>/<lab>/client/` with Vite's dev server on a free port, exactly as a
 * student's `npx vite` would (TypeScript compiled on the fly). One per lab and test file,
 * closed after the file: Vite compiles the page once, and each later test's page loads in
 * about half the time. It holds no state a test could leave behind (no hot reload, no watch).
 */
export function serveClient(lab: string): Promise<ServedClient> {
  let served = servedClients.get(lab);
  if (!served) {
    served = startVite(lab);
    servedClients.set(lab, served);
    served.catch(() => servedClients.delete(lab));
  }
  return served;
}

async function startVite(lab: string): Promise<ServedClient> {
  const { createServer } = await import("vite");
  const vite = await createServer({
    configFile: false,
    root: labFile(lab, "client"),
    logLevel: "silent",
    clearScreen: false,
    // No hot reload and no file watching: another edit in the repo must not reload the page
    // halfway through a test. (The websocket stays: Vite's page script expects it.)
    server: { host: "127.0.0.1", port: 0, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true },
  });
  await vite.listen();
  const address = vite.httpServer?.address() as AddressInfo | null;
  if (!address) throw new Error(`${lab}: Vite did not start listening`);
  const { port } = address;
  const origin = `http://127.0.0.1:${port}`;
  return { url: `${origin}/`, origin, close: () => vite.close() };
}

export interface LabPage<T extends RunningLab = RunningLab> extends BrowserPage {
  lab: StartedLab<T>;
  client: ServedClient;
}

/**
 * The whole picture for one lab: its server (with the given options), its page on Vite
 * allowed by the server's CORS list, and that page open in Chromium with
 * `?server=<the lab's url>`.
 */
export async function openLabPage<T extends RunningLab = RunningLab>(
  lab: string,
  serverOptions: Record<string, unknown> = {},
): Promise<LabPage<T>> {
  // Chromium takes longest to start: let it start while Vite and the server do.
  void browserForThisFile().catch(() => undefined);
  const client = await serveClient(lab);
  const started = await startLab<T>(lab, { corsOrigins: [client.origin], ...serverOptions });
  const browserPage = await openPage(`${client.url}?server=${encodeURIComponent(started.url)}`);
  return { ...browserPage, lab: started, client };
}
