import type { Browser } from "playwright-core";
import { findProgram } from "./find-program.ts";

/**
 * Where a real Chromium or Chrome lives. We never download a browser: the one the
 * student already has is the one their page must work in.
 * CHROME_PATH wins; then Debian/Ubuntu's package; then the usual macOS apps; then Chrome, or
 * the Edge every Windows has (Chromium inside), where their installers put them.
 */
const windowsPrograms = [
  process.env.ProgramFiles,
  process.env["ProgramFiles(x86)"],
  process.env.LOCALAPPDATA,
]
  .filter((dir): dir is string => dir !== undefined)
  .flatMap((dir) => [
    `${dir}\\Google\\Chrome\\Application\\chrome.exe`,
    `${dir}\\Microsoft\\Edge\\Application\\msedge.exe`,
  ]);
const knownPaths = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  ...windowsPrograms,
];

export function findChromium(): string {
  return findProgram({
    envVar: "CHROME_PATH",
    names: ["chromium", "chromium-browser", "google-chrome"],
    knownPaths,
    installHint:
      "No Chromium found for the browser tests. Install one:\n" +
      "  Debian/Ubuntu: sudo apt-get install -y chromium\n" +
      "  macOS:         install Google Chrome (or brew install --cask chromium)\n" +
      "  Windows:       Edge or Google Chrome is found where it is installed\n" +
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
