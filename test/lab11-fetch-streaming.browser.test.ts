import { describe, expect, test } from "vitest";
import {
  openLabPage,
  openPage,
  serveClient,
  startChunkingServer,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab11-fetch-streaming";

interface Stats {
  generating: number;
  tokensGenerated: number;
  completed: number;
  failed: number;
  abortedByClient: number;
}

describe("lab11 — the page in Chromium", () => {
  // The first test also launches Chromium, slow on a busy machine: 30 s instead of 15.
  test("TODO 2 · an answer cut into bad chunks (an event, an é, a 🙂, CRLF) shows exactly", async () => {
    const [e, smile] = [Buffer.from("é"), Buffer.from("🙂")];
    const done = '{"tokens":2,"finishReason":"end","ms":1}';
    const pieces = [
      Buffer.from('event: token\r\ndata: {"index":0,"text":"caf'),
      e.subarray(0, 1),
      Buffer.concat([e.subarray(1), Buffer.from(' "}\r')]),
      Buffer.from("\n\r\nevent: tok"),
      Buffer.concat([Buffer.from('en\r\ndata: {"index":1,"text":"'), smile.subarray(0, 2)]),
      Buffer.concat([
        smile.subarray(2),
        Buffer.from(`"}\r\n\r\nevent: done\r\ndata: ${done}\r\n\r\n`),
      ]),
    ];
    const client = await serveClient(lab);
    let page: Awaited<ReturnType<typeof openPage>> | undefined;
    // Send piece n only once the page has counted n network chunks: none can merge.
    const chunking = await startChunkingServer(pieces, {
      before: (index) =>
        waitFor(async () => Number((await page?.textOf("#chunk-count")) ?? 0) >= index, {
          message: `the page did not count chunk ${index} (it counts them in onChunk)`,
          timeoutMs: 5000,
        }),
    });
    page = await openPage(`${client.url}?server=${encodeURIComponent(chunking.url)}`);
    await page.page.click("#send");
    await waitFor(async () => (await page?.attributeOf("#status", "data-state")) !== "streaming", {
      message: "the answer should end",
      timeoutMs: 5000,
      describe: () => page?.describeErrors() ?? "",
    });
    const answer = await page.textOf("#answer");
    expect(
      [await page.textOf("#token-count"), await page.attributeOf("#status", "data-state")],
      `lab11 TODO 1: two token events and done, cut across chunks with CRLF line endings — the page shows ${JSON.stringify(answer)}; ${await page.textOf("#error")}`,
    ).toEqual(["2", "done"]);
    expect(await page.textOf("#chunk-count"), "each piece arrived as its own chunk").toBe(
      String(pieces.length),
    );
    expect(
      answer,
      `lab11 TODO 2: characters cut between chunks should arrive whole — the page shows ${JSON.stringify(answer)}`,
    ).toBe("café 🙂");
    expect(chunking.requests(), "one POST: the page never retries on its own").toBe(1);
  }, 30_000);

  test("TODO 3 · tokens render as they arrive; Stop aborts the fetch, the page says stopped, the server stops generating", async () => {
    const page = await openLabPage(lab, { tokenIntervalMs: 40 });
    const stats = () => page.lab.running.stats() as unknown as Stats;
    const tokens = async () => Number(await page.textOf("#token-count"));
    const state = () => page.attributeOf("#status", "data-state");

    await page.page.fill("textarea[name=prompt]", "Why is the sky blue?");
    await page.page.click("#send");
    await waitFor(async () => (await tokens()) >= 3, {
      message: "the page should show tokens (if none come, see TODO 1)",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    expect(await state(), "tokens appear while the answer is still streaming").toBe("streaming");

    const clickedAt = performance.now();
    await page.page.click("#stop");
    const tokensAtStop = await tokens();
    // Stopped, or clearly not: more tokens keep coming into the page.
    await waitFor(
      async () => (await state()) === "stopped" || (await tokens()) >= tokensAtStop + 3,
      {
        message: "the page should react to Stop",
        timeoutMs: 3000,
      },
    );
    expect(
      await state(),
      "lab11 TODO 3: Stop should abort the request (controller.abort(), with its signal passed to streamChat) and the page say 'stopped'",
    ).toBe("stopped");
    // Stopped, or clearly not: 5 more tokens (200 ms) generated for nobody.
    const generatedAtStop = stats().tokensGenerated;
    await waitFor(
      () => stats().generating === 0 || stats().tokensGenerated >= generatedAtStop + 5,
      {
        message: "the server should stop",
        timeoutMs: 3000,
      },
    );
    const stopMs = performance.now() - clickedAt;
    expect(
      stats().generating,
      "lab11 TODO 4: the page closed the connection, but the server kept generating: abort on res 'close'",
    ).toBe(0);
    console.info(`lab11 page: Stop clicked → server stopped generating in ${stopMs.toFixed(0)} ms`);
    expect(stats().abortedByClient, "lab11 TODO 4: the abort should be counted").toBe(1);
    expect(await page.textOf("#answer"), "what arrived stays on the page").not.toBe("");
    expect(page.pageErrors, page.describeErrors()).toEqual([]);
  });

  test("TODO 5 · the page shows a refusal (4xx, before the stream) and a failure after the stream started, and sends nothing again", async () => {
    const page = await openLabPage(lab, { tokenIntervalMs: 10, maxPromptLength: 20 });
    const stats = () => page.lab.running.stats() as unknown as Stats;

    await page.page.fill("textarea[name=prompt]", "a prompt longer than twenty characters");
    await page.page.click("#send");
    await waitFor(async () => (await page.attributeOf("#status", "data-state")) === "error", {
      message: "a refused request should show as an error",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    expect(await page.textOf("#error")).toMatch(/400.*at most 20 characters/);

    await page.page.fill("textarea[name=prompt]", "Fail, please");
    await page.page.check("input[name=fail]");
    await page.page.click("#send");
    await waitFor(
      async () =>
        (await page.attributeOf("#status", "data-state")) === "error" &&
        Number(await page.textOf("#token-count")) > 0,
      { message: "the failed answer should end in an error", timeoutMs: 5000 },
    );
    expect(
      await page.textOf("#error"),
      "lab11 TODO 5: the server should send `event: error` (the page shows its message); without it the stream just ends",
    ).toMatch(/failed halfway: the model stopped after 10 tokens/);
    expect(await page.textOf("#token-count"), "the 10 tokens before the failure").toBe("10");
    // No automatic retry of a POST: one answer was started, and only one.
    const started = stats().completed + stats().failed + stats().abortedByClient;
    expect(started, "one request, one answer: the page must not send the POST again").toBe(1);
  });
});
