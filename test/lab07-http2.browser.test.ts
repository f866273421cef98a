import { describe, expect, test } from "vitest";
import {
  type BrowserPage,
  connectH2,
  labFile,
  openPage,
  serveClient,
  startLab,
  startNginx,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab07-http2";
// Starting Chromium takes 0.3–0.9 s on a quiet machine and 5–7 s on a crowded one: the test's
// own deadlines (below) stay short, the whole test may take longer than vitest's 15 s.
const browserTestTimeoutMs = 30_000;
const streams = 8;
// The page probes once no stream has opened for settleMs; a fetch without an answer after
// fetchTimeoutMs is "stalled" (the classroom page waits 1 s and 3 s). Over HTTP/1.1 the fetch
// can never get a connection, so a short timeout only makes the test quicker; over h2 it
// answers in milliseconds, and a long one keeps a busy machine from failing it.
const pageOptions = (fetchTimeoutMs: number) =>
  `streams=${streams}&settleMs=300&fetchTimeoutMs=${fetchTimeoutMs}`;

interface PageVerdict {
  opened: number;
  fetch: string;
  fetchMs: number | undefined;
  protocol: string;
}

/** What the page shows once it has tried its fetch. */
async function verdictOf(page: BrowserPage, todo: string): Promise<PageVerdict> {
  await waitFor(async () => (await page.attributeOf("#fetch", "data-result")) !== "waiting", {
    message: `lab07 ${todo}: the page never reported its fetch (#fetch keeps data-result="waiting")`,
    // The page probes 300 ms after the last stream opened and gives up after at most 2 s.
    timeoutMs: 3000,
    describe: () => page.describeErrors(),
  });
  const ms = await page.attributeOf("#fetch", "data-ms");
  return {
    opened: Number(await page.textOf("#opened")),
    fetch: (await page.attributeOf("#fetch", "data-result")) ?? "",
    fetchMs: ms === null ? undefined : Number(ms),
    protocol: (await page.textOf("#protocol")) ?? "",
  };
}

describe("lab07 — eight streams from one page, in Chromium", () => {
  test(
    "TODO 3, 4 · over HTTP/1.1 (the app, direct) 6 of 8 streams open and a fetch to that origin stalls",
    async () => {
      const client = await serveClient(lab);
      const app = await startLab(lab, { corsOrigins: [client.origin], intervalMs: 200 });
      // The 2 streams that never get a connection hold the load event back.
      const page = await openPage(
        `${client.url}?server=${encodeURIComponent(app.url)}&${pageOptions(400)}`,
        {
          waitUntil: "domcontentloaded",
        },
      );

      // The truth, from the server: Chromium gives the origin 6 connections, no more.
      await waitFor(() => (app.running.stats().clients ?? 0) >= 6, {
        message: "Chromium should open 6 streams to the app within 3 s",
        timeoutMs: 3000,
        describe: () => page.describeErrors(),
      });
      await waitFor(async () => Number(await page.textOf("#opened")) >= 6, {
        message:
          "lab07 TODO 3: the app holds 6 open streams, but the page's #opened does not say 6: " +
          "count each stream's first 'open' and show it",
        timeoutMs: 1500,
        describe: () => page.describeErrors(),
      });
      const verdict = await verdictOf(page, "TODO 4");
      console.info(
        `lab07, HTTP/1.1: ${verdict.opened} of ${streams} streams open (the app counts ${app.running.stats().clients}); fetch ${verdict.fetch}`,
      );
      expect(app.running.stats().clients, "the 7th and 8th stream never reach the app").toBe(6);
      expect(verdict.opened, "lab07 TODO 3: #opened should say 6").toBe(6);
      const openLanes = (await page.attributesOf("#lanes li", "data-state")).filter(
        (state) => state === "open",
      );
      expect(openLanes.length, "lab07 TODO 3: 6 lanes marked open").toBe(6);
      expect(
        verdict.fetch,
        "lab07 TODO 4: with 6 connections held by streams the fetch has no connection: " +
          'the page should report it as "stalled" (AbortSignal.timeout → TimeoutError)',
      ).toBe("stalled");
      expect(page.pageErrors).toEqual([]);
    },
    browserTestTimeoutMs,
  );

  test(
    "TODO 1, 3, 4 · over h2 through nginx all 8 streams open, the fetch answers, and the page says h2",
    async () => {
      const client = await serveClient(lab);
      const app = await startLab(lab, { corsOrigins: [client.origin], intervalMs: 200 });
      const nginx = await startNginx(labFile(lab, "nginx.conf.template"), {
        APP_UPSTREAM: app.url.replace("http://", ""),
      });
      const h2url = nginx.url.replace("http://", "https://");
      // Before the browser: does nginx speak TLS + h2 at all? A quick, precise failure if not.
      await connectH2(h2url).catch((error: Error) => {
        throw new Error(
          `lab07 TODO 1: nginx does not answer TLS + h2 at ${h2url} (${error.message}). ${nginx.errorLog()}`,
        );
      });
      const page = await openPage(
        `${client.url}?server=${encodeURIComponent(h2url)}&${pageOptions(2000)}`,
        {
          ignoreHTTPSErrors: true,
          waitUntil: "domcontentloaded",
        },
      );

      await waitFor(() => (app.running.stats().clients ?? 0) >= streams, {
        message: `lab07 TODO 1: over h2 all ${streams} streams should reach the app within 3 s`,
        timeoutMs: 3000,
        describe: () =>
          `the app counts ${app.running.stats().clients}. ${page.describeErrors()} ${nginx.errorLog()}`,
      });
      await waitFor(async () => Number(await page.textOf("#opened")) >= streams, {
        message: `lab07 TODO 3: the app holds ${streams} open streams, but the page's #opened does not say ${streams}`,
        timeoutMs: 1500,
        describe: () => page.describeErrors(),
      });
      const verdict = await verdictOf(page, "TODO 4");
      console.info(
        `lab07, h2: ${verdict.opened} of ${streams} streams open (the app counts ${app.running.stats().clients}); ` +
          `fetch ${verdict.fetch} in ${verdict.fetchMs} ms, nextHopProtocol ${verdict.protocol}`,
      );
      expect(verdict.opened, `lab07 TODO 3: #opened should say ${streams}`).toBe(streams);
      expect(
        verdict.fetch,
        'lab07 TODO 4: over h2 the fetch shares the connection and answers: data-result="ok"',
      ).toBe("ok");
      expect(verdict.fetchMs, "lab07 TODO 4: data-ms holds the fetch's time").toBeLessThan(2000);
      expect(verdict.protocol, "lab07 TODO 4: #protocol shows the fetch's nextHopProtocol").toBe(
        "h2",
      );
      expect(page.pageErrors).toEqual([]);
    },
    browserTestTimeoutMs,
  );
});
