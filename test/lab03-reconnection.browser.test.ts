import { describe, expect, test } from "vitest";
import { openLabPage, parseEventStream, readRawStream, waitFor } from "./helpers/index.ts";

const lab = "lab03-reconnection";

describe("lab03 — the page in Chromium", () => {
  test("TODO 3 · after a dropped connection the page reconnects and the ids resume with no gap and no duplicate", async () => {
    const page = await openLabPage(lab, { intervalMs: 30, retryMs: 50 });
    const messageIds = () => page.attributesOf("#messages li", "data-id");

    await waitFor(async () => (await messageIds()).length >= 3, {
      message: "the page should connect and list messages",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    expect(
      (await messageIds()).filter((id) => !/^\d+$/.test(id)),
      "lab03 TODO 1: every frame needs an `id:` line, which the page shows as data-id",
    ).toEqual([]);

    // Without retry: the browser would wait its default 3 s: say so now, from the first bytes.
    const first = await readRawStream(`${page.lab.url}/stream`, {
      until: (text) => parseEventStream(text).events.length >= 1,
    });
    expect(
      parseEventStream(first.text).retries,
      "lab03 TODO 2: the stream should start with `retry: 50` (the option retryMs)",
    ).toEqual([50]);

    // Cut the connection as a network drop would; the server keeps its history.
    const droppedAt = performance.now();
    page.lab.dropConnections();
    await waitFor(async () => (await page.textOf("#reconnects")) === "1", {
      message:
        "lab03 TODO 2: with `retry: 50` the browser should reconnect within 2 s " +
        "(without it Chromium waits its default 3 s)",
      timeoutMs: 2000,
      describe: () =>
        `reconnects ${JSON.stringify(page.textOf("#reconnects"))}; ${page.describeErrors()}`,
    });
    const reconnectMs = performance.now() - droppedAt;

    const before = (await messageIds()).length;
    await waitFor(async () => (await messageIds()).length >= before + 3, {
      message: "messages should keep arriving after the reconnect",
      timeoutMs: 3000,
    });
    const ids = (await messageIds()).map(Number);
    // The page joined mid-broadcast, so its first id may be any number; from there on, +1 each.
    const expected = ids.map((_, index) => (ids[0] ?? 0) + index);
    expect(
      ids,
      `lab03 TODO 3: after reconnecting with Last-Event-ID the server should replay exactly the missed events: ids ${ids.join(",")} (reconnected after ${reconnectMs.toFixed(0)} ms)`,
    ).toEqual(expected);
  });

  test("TODO 5 · after POST /stream/end the page says 'closed' and stops retrying", async () => {
    const page = await openLabPage(lab, { intervalMs: 30, retryMs: 50 });
    await waitFor(async () => (await page.attributeOf("#status", "data-state")) === "open", {
      message: "the page should connect",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    const response = await fetch(`${page.lab.url}/stream/end`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(response.status, "lab03 TODO 5: POST /stream/end should answer 204").toBe(204);

    await waitFor(async () => (await page.attributeOf("#status", "data-state")) === "closed", {
      message:
        "lab03 TODO 5: after the end, reconnects should get 204, which makes the browser give up (CLOSED)",
      timeoutMs: 3000,
      describe: () => page.describeErrors(),
    });
    expect(page.lab.running.stats().clients ?? 0, "no stream stays open").toBe(0);
  });
});
