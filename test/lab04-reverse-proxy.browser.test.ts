import { describe, expect, test } from "vitest";
import { labFile, openPage, serveClient, startLab, startNginx, waitFor } from "./helpers/index.ts";

const lab = "lab04-reverse-proxy";

describe("lab04 — the page in Chromium, through nginx", () => {
  test("TODO 2 · through the lab's nginx the page shows each message at once, ids in order", async () => {
    const client = await serveClient(lab);
    // One message every 100 ms is about 6 KB a minute: a buffering nginx would hold the
    // first ones back for many seconds, far past this test's deadline.
    const app = await startLab(lab, { corsOrigins: [client.origin], intervalMs: 100 });
    const nginx = await startNginx(labFile(lab, "nginx.conf.template"), {
      APP_UPSTREAM: app.url.replace("http://", ""),
    });
    const page = await openPage(`${client.url}?server=${encodeURIComponent(nginx.url)}`);

    await waitFor(async () => (await page.textsOf("#messages li")).length >= 3, {
      message:
        "lab04 TODO 1/TODO 2: through nginx the page should list 3 messages within 3 s; nginx is " +
        "holding them back. Send X-Accel-Buffering: no (TODO 1) and set proxy_buffering off (TODO 2)",
      timeoutMs: 3000,
      describe: () => `${page.describeErrors()} ${nginx.errorLog()}`,
    });
    const firstAfter = Number.parseInt((await page.textOf("#first-after")) ?? "", 10);
    expect(
      firstAfter,
      "lab04 TODO 2: the first message should reach the page within a second of opening",
    ).toBeLessThan(1000);
    const ids = (await page.attributesOf("#messages li", "data-id")).map(Number);
    expect(ids, "every message once, in order, through the proxy").toEqual(
      ids.map((_, index) => (ids[0] ?? 0) + index),
    );
    expect(page.pageErrors).toEqual([]);
  });
});
