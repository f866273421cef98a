import { describe, expect, test } from "vitest";
import { openLabPage, waitFor } from "./helpers/index.ts";

const lab = "lab09-benchmark";

describe("lab09 — the page in Chromium", () => {
  test("the page receives a burst of 20 broadcasts and shows their latency, measured in the browser", async () => {
    const page = await openLabPage(lab, { heartbeatMs: 0 });
    await waitFor(async () => (await page.textOf("#status")) === "open", {
      message: "the page should open the stream",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    await page.page.click("#burst");
    await waitFor(async () => (await page.textOf("#received")) === "20", {
      message: "all 20 broadcasts should reach the page",
      timeoutMs: 8000,
      describe: () =>
        `received ${JSON.stringify(page.textOf("#received"))}; ${page.describeErrors()}`,
    });
    const percentiles = (await page.textOf("#latency-percentiles")) ?? "";
    const [p50, p99] = [...percentiles.matchAll(/([\d.]+) ms/g)].map((match) => Number(match[1]));
    expect(percentiles, "the page should show p50 / p99 over 20 events").toContain("(20 events)");
    // Sender and receiver share a clock here, so a latency is positive and well under a minute.
    expect(p50, "p50 latency should be a real measurement").toBeGreaterThan(0);
    expect(p99 ?? 0, "p99 is at least p50").toBeGreaterThanOrEqual(p50 ?? 0);
    expect(p99 ?? 0, "p99 on loopback should be far below a minute").toBeLessThan(60_000);
    expect(page.pageErrors, "no uncaught errors in the page").toEqual([]);
  });
});
