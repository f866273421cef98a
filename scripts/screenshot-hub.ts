// npx tsx scripts/screenshot-hub.ts — the README's pictures of `npm start`: the hub's home page
// and the stream inspector watching lab 03 (solution) across a dropped connection.
// Uses the same system Chromium as the browser tests.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer as startHub } from "../hub/server.ts";
import { startServer as startLab03 } from "../solutions/lab03-reconnection/server.ts";
import { launchBrowser } from "../tools/chromium.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "docs", "screenshots");
mkdirSync(outDir, { recursive: true });

const hub = await startHub({ port: 0, host: "127.0.0.1" });
const lab = await startLab03({ port: 0, host: "127.0.0.1", intervalMs: 400, retryMs: 500 });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${hub.url}/`);
  await page.screenshot({ path: path.join(outDir, "hub.png") });

  await page.setViewportSize({ width: 1400, height: 760 });
  await page.goto(`${hub.url}/inspector/?url=${encodeURIComponent(`${lab.url}/stream`)}`);
  await page.waitForFunction(() => document.querySelectorAll("#events tr").length >= 3);
  lab.server.closeAllConnections(); // a dropped connection: watch the reconnect
  await page.waitForFunction(() => document.querySelectorAll("#events tr").length >= 6);
  await page.screenshot({ path: path.join(outDir, "inspector.png") });
  console.log(`saved ${path.relative(root, outDir)}/hub.png and inspector.png`);
} finally {
  await browser.close();
  await lab.close();
  await hub.close();
}
