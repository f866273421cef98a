import { describe, expect, test } from "vitest";
import {
  type BrowserPage,
  openConnections,
  openLabPage,
  openPage,
  serveClient,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab01-first-stream";

const state = (page: BrowserPage) => page.attributeOf("#status", "data-state");

describe("lab01 — the page in Chromium", () => {
  test("TODO 3 · the close() button ends the stream: the page says 'closed', the server sees it leave", async () => {
    const page = await openLabPage(lab, { intervalMs: 30 });
    await waitFor(async () => page.lab.running.stats().clients === 1, {
      message: "the page should connect to the stream",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    await page.page.click("#close");
    expect(await state(page), "after close() the page should say 'closed'").toBe("closed");
    const message = "lab01 TODO 3: after close() in the page, the server should forget the stream";
    // Once its socket is gone the client has certainly left: a stream still counted then was
    // not forgotten, and waiting longer will not change that.
    let goneAt: number | undefined;
    await waitFor(async () => page.lab.running.stats().clients === 0, {
      message,
      timeoutMs: 3000,
      failFast: async () => {
        if (goneAt === undefined && (await openConnections(page.lab.server)) === 0) {
          goneAt = performance.now();
        }
        return goneAt !== undefined && performance.now() - goneAt > 300
          ? `${message} — the page's connection closed, but stats().clients is still ${page.lab.running.stats().clients}`
          : undefined;
      },
    });
  });

  test("TODO 4, 5 · the page shows 'open', then each message as it arrives", async () => {
    const page = await openLabPage(lab, { intervalMs: 30 });

    // The server knows when the page is connected: from then on, 1.5 s of messages every
    // 30 ms is plenty for the page to say so, however busy the machine (not the full 5 s).
    let connectedAt: number | undefined;
    const sinceConnected = () => {
      if (connectedAt === undefined && page.lab.running.stats().clients === 1) {
        connectedAt = performance.now();
      }
      return connectedAt === undefined ? 0 : performance.now() - connectedAt;
    };
    await waitFor(async () => (await state(page)) === "open", {
      message: "lab01 TODO 4: the status should say 'open' once the stream is connected",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
      failFast: () =>
        sinceConnected() > 1500
          ? `lab01 TODO 4: the server has been streaming to the page for 1.5 s, but the status does not say 'open' — ${page.describeErrors()}`
          : undefined,
    });
    expect(await page.textOf("#ready-state"), "readyState shown while open").toBe("1 (OPEN)");

    const openAt = performance.now();
    await waitFor(async () => (await page.textsOf("#messages li")).length >= 3, {
      message: "lab01 TODO 5: each message should appear as an <li> in #messages",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
      failFast: async () =>
        performance.now() - openAt > 1500 && (await page.textsOf("#messages li")).length === 0
          ? `lab01 TODO 5: the page has been open for 1.5 s (a message every 30 ms) and lists none — each message should appear as an <li> in #messages. ${page.describeErrors()}`
          : undefined,
    });
    expect(
      (await page.textsOf("#messages li")).slice(0, 3),
      "lab01 TODO 5: the list shows each message's data, in order",
    ).toEqual([
      "hello world event source #1",
      "hello world event source #2",
      "hello world event source #3",
    ]);
    expect(page.pageErrors, "the page's script should not throw").toEqual([]);
    expect(page.consoleErrors, "the page should log no errors while all is well").toEqual([]);
  });

  test("TODO 6 · while the server is gone and the browser retries, the page says 'reconnecting'", async () => {
    const page = await openLabPage(lab, { intervalMs: 30 });
    await waitFor(async () => page.lab.running.stats().clients === 1, {
      message: "the page should connect to the stream",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });

    // The server goes away. The browser's reconnect attempts are refused, so it keeps
    // retrying (readyState CONNECTING): it has not given up.
    await page.lab.close();

    await waitFor(async () => (await page.textOf("#ready-state")) === "0 (CONNECTING)", {
      message: "the page should notice that the server went away",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    expect(
      await state(page),
      "lab01 TODO 6: readyState is CONNECTING (the browser will retry), so the page should say " +
        "'reconnecting'. The tutorial's `event.eventPhase === EventSource.CLOSED` is true for " +
        "every error: test source.readyState instead",
    ).toBe("reconnecting");
  });

  test("TODO 6 · when the browser gives up (the stream answers 404), the page says 'closed'", async () => {
    const client = await serveClient(lab);
    const running = await startLab(lab, { corsOrigins: [client.origin] });
    // ?server=…/missing makes the page open …/missing/stream, which Express answers 404:
    // a failed HTTP answer makes EventSource give up for good (readyState CLOSED).
    const page = await openPage(
      `${client.url}?server=${encodeURIComponent(`${running.url}/missing`)}`,
    );
    await waitFor(async () => (await page.textOf("#ready-state")) === "2 (CLOSED)", {
      message: "the browser should give up on a stream that answers 404",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    expect(
      await state(page),
      "lab01 TODO 6: the browser gave up (readyState CLOSED): the page should say 'closed'",
    ).toBe("closed");
  });
});
