import { describe, expect, test } from "vitest";
import {
  type BrowserPage,
  openPage,
  serveClient,
  startCluster,
  startRedis,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab06-scale-out";

/**
 * The lab's page on Vite and lab 05's picture behind it — two instances, "one" and "two",
 * behind the lab's nginx — now sharing one real Redis. Test-sized Redis waits: an XREAD
 * blocks 100 ms, a lost connection is retried after 20 ms.
 */
async function pageBehindNginx(options: Record<string, unknown> = {}) {
  const redis = await startRedis();
  const client = await serveClient(lab);
  const cluster = await startCluster(lab, {
    corsOrigins: [client.origin],
    redisUrl: redis.url,
    redisBlockMs: 100,
    redisRetryMs: 20,
    ...options,
  });
  const pageUrl = `${client.url}?server=${encodeURIComponent(cluster.nginx.url)}`;
  const clientsOn = () => ({
    one: cluster.one.running.stats().clients ?? 0,
    two: cluster.two.running.stats().clients ?? 0,
  });
  return { ...cluster, clientsOn, open: () => openPage(pageUrl) };
}

async function waitForOpen(page: BrowserPage, describeMore = () => "") {
  await waitFor(async () => (await page.textOf("#status")) === "open", {
    message: "the page should show `open` through nginx",
    describe: () => `${page.describeErrors()} ${describeMore()}`,
  });
}

/**
 * Open tab A, then tab B, through the same nginx. Without ?client= nginx takes turns, so
 * each instance holds one tab's stream: checked on the servers, not taken on trust.
 */
async function openTwoTabs(cluster: Awaited<ReturnType<typeof pageBehindNginx>>) {
  const { nginx, clientsOn, open } = cluster;
  const tabA = await open();
  await waitForOpen(tabA, nginx.errorLog);
  await waitFor(() => clientsOn().one + clientsOn().two === 1, {
    message: "one instance should hold tab A's stream",
    describe: () => `streams held: ${JSON.stringify(clientsOn())}`,
  });
  const holdsA: "one" | "two" = clientsOn().one === 1 ? "one" : "two";
  const tabB = await open();
  await waitForOpen(tabB, nginx.errorLog);
  await waitFor(() => clientsOn().one === 1 && clientsOn().two === 1, {
    message: "tab B's stream should be held by the other instance",
    describe: () => `streams held: ${JSON.stringify(clientsOn())}`,
  });
  return { tabA, tabB, holdsA, holdsB: holdsA === "one" ? ("two" as const) : ("one" as const) };
}

/** Sign up with the page's own form, as a student would; resolves to the id the server gave. */
async function signUp(page: BrowserPage, name: string, describeMore = () => ""): Promise<string> {
  // The previous answer stays on the page until the next one comes: clear it first.
  await page.page.evaluate(() => {
    const result = document.querySelector("#signup-result");
    if (result) result.textContent = "";
  });
  await page.page.fill("#signup-form input[name=name]", name);
  await page.page.click("#signup-form button[type=submit]");
  let result = "";
  await waitFor(
    async () => {
      result = (await page.textOf("#signup-result")) ?? "";
      return result !== "";
    },
    {
      message: `the form should show what POST /signup answered for ${name}`,
      describe: () => `${page.describeErrors()} ${describeMore()}`,
    },
  );
  const stored = /^stored as (\d+-\d+) by (one|two)$/.exec(result);
  expect(
    stored,
    `lab06 TODO 1: POST /signup should store ${name} in Redis (XADD) and answer 202 with its ` +
      `stream id, so the form says "stored as <ms-seq> by <instance>"; it says ${JSON.stringify(result)}`,
  ).not.toBeNull();
  return stored?.[1] ?? "";
}

/** The signups a tab lists, as [data-id, text] pairs, in the order it shows them. */
async function signupsOf(page: BrowserPage): Promise<[string, string][]> {
  const ids = await page.attributesOf("#signups li", "data-id");
  const texts = await page.textsOf("#signups li");
  return ids.map((id, index) => [id, texts[index] ?? ""]);
}

async function waitForSignup(page: BrowserPage, id: string, tab: string, todo: string) {
  let listed = "";
  const shows = async () => {
    const signups = await signupsOf(page);
    listed = JSON.stringify(signups.map(([, text]) => text));
    return signups.some(([shownId]) => shownId === id);
  };
  await waitFor(shows, {
    timeoutMs: 3000,
    message: `${todo} (signup ${id} never showed in ${tab})`,
    describe: () => `${tab} lists ${listed}; ${page.describeErrors()}`,
  });
}

describe("lab06 — the page in Chromium, two instances behind nginx, one Redis", () => {
  test("TODO 3 · a signup sent from tab A shows in tab B, held by the other instance, with the same id", async () => {
    const cluster = await pageBehindNginx();
    const { nginx } = cluster;
    const { tabA, tabB, holdsA, holdsB } = await openTwoTabs(cluster);

    const id = await signUp(tabA, "Ada", nginx.errorLog);
    const notShared =
      "lab06 TODO 3: a signup stored in Redis should reach the tabs of both instances; each " +
      "instance's read loop must XREAD the stream and hand every entry to its subscribers";
    await waitForSignup(tabA, id, "tab A", notShared);
    await waitForSignup(tabB, id, "tab B", notShared);

    const [inA, inB] = [await signupsOf(tabA), await signupsOf(tabB)];
    expect(inA, "tab A lists Ada once, under the stream id the form was given").toEqual([
      [id, expect.stringMatching(/: Ada signed up \(via (one|two)\)$/)],
    ]);
    expect(
      inB,
      `tab B, held by instance ${holdsB} (tab A: ${holdsA}), shows the very same event`,
    ).toEqual(inA);
    expect([...tabA.pageErrors, ...tabB.pageErrors]).toEqual([]);
  });

  test("TODO 5 · when its instance shuts down, a tab resumes on the other and shows every signup once", async () => {
    // 1.5 s between streams: time enough to sign up while the tab is away, even on a busy CI box.
    const cluster = await pageBehindNginx({ retryMs: 1500, shutdownTimeoutMs: 1000 });
    const { instances, nginx, clientsOn } = cluster;
    const { tabA, tabB, holdsA, holdsB } = await openTwoTabs(cluster);
    const notShared =
      "lab06 TODO 3: a signup stored in Redis should reach the tabs of both instances";
    const before = await signUp(tabB, "Ada", nginx.errorLog);
    await waitForSignup(tabA, before, "tab A", notShared);
    await waitForSignup(tabB, before, "tab B", notShared);

    // Tab A's instance leaves; while tab A waits to reconnect, tab B signs Grace up.
    const leaving = instances[holdsA].running.shutdown();
    await waitFor(async () => (await tabA.textOf("#status")) === "reconnecting", {
      message: `tab A should notice that instance ${holdsA} ended its stream`,
      describe: () => tabA.describeErrors(),
    });
    const missed = await signUp(tabB, "Grace", nginx.errorLog);
    expect(
      await tabA.textOf("#status"),
      "Grace should be stored while tab A is between streams (the test was too slow)",
    ).toBe("reconnecting");

    await waitForSignup(
      tabA,
      missed,
      "tab A",
      `lab06 TODO 5: tab A reconnected to instance ${holdsB} with Last-Event-ID ${before}; ` +
        "replayAfter() should give it Grace, published while it was away (XRANGE from its id)",
    );
    await leaving;
    expect(clientsOn()[holdsB], `instance ${holdsB} now holds both tabs`).toBe(2);
    expect(
      await tabA.textOf("#notice"),
      `lab06 TODO 5: Ada (${before}) is still in Redis, so the resume should be a replay, not a reset`,
    ).toBe("");
    const [inA, inB] = [await signupsOf(tabA), await signupsOf(tabB)];
    expect(
      inA.map(([id]) => id),
      "tab A shows each signup exactly once, in stream-id order",
    ).toEqual([before, missed]);
    expect(inA, "and exactly what tab B shows").toEqual(inB);
    expect(await tabA.textOf("#reconnects"), "after one reconnect").toBe("1");
    expect([...tabA.pageErrors, ...tabB.pageErrors]).toEqual([]);
  });
});
