import type { Browser } from "playwright-core";
import { findProgram } from "./find-program.ts";

/**
 * Where a real Chromium or Chrome lives. We never download a browser: the one the
 * student already has is the one their page must work in.
 * CHROME_PATH wins; then Debian/Ubuntu's package; then the usual macOS apps.
 */
const knownPaths = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

export function findChromium(): string {
  return findProgram({
    envVar: "CHROME_PATH",
    names: ["chromium", "chromium-browser", "google-chrome"],
    knownPaths,
    installHint:
      "No Chromium found for the browser tests. Install one:\n" +
      "  Debian/Ubuntu: sudo apt-get install -y chromium\n" +
      "  macOS:         brew install --cask chromium   (or install Google Chrome)\n" +
      "or point CHROME_PATH at a Chromium or Chrome binary.",
  });
}

/**
 * Flags that keep a headless Chromium quiet and quick on a CI box or a laptop:
 * no sandbox (containers run as root), no GPU, no background downloads or sync.
 */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Start Chromium with a fresh, empty profile, so no cookie, cache or service worker from
 * an earlier run changes what we see. (Playwright's launch() gives every browser its own
 * temporary --user-data-dir and deletes it on close.) The caller closes it:
 * `await browser.close()`. Free of vitest, so scripts can use it too.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  // Imported here, not at the top: loading playwright-core takes ~0.4 s, which every test
  // file importing test/helpers would otherwise pay even when it never opens a page.
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: chromiumArgs });
}
