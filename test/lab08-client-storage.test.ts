import type { EventSourceMessage } from "eventsource-parser";
import request from "supertest";
import { describe, expect, test } from "vitest";
import {
  activeTimers,
  connect,
  parseEventStream,
  type RunningLab,
  readRawStream,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab08-client-storage";

interface NewsLab extends RunningLab {
  publish(title: string): number;
}

const headlines = (n: number) => Array.from({ length: n }, (_, i) => `headline ${i + 1}`);

/** A news server with `n` items (ids 1..n) and no wire-service ticks. */
function newsServer(n: number, options: Record<string, unknown> = {}) {
  return startLab<NewsLab>(lab, { intervalMs: 0, initialNews: headlines(n), ...options });
}

/**
 * Open /stream as a page or a browser would (a query, a header, both) and read until `count`
 * events arrived or the server went quiet; returns the status, retry values and events.
 */
async function openStream(
  url: string,
  {
    query = "",
    lastEventId,
    count = 1,
    wrongStart = () => false,
  }: {
    query?: string;
    lastEventId?: string;
    count?: number;
    /** Stop reading at once when the first event already shows the answer is wrong. */
    wrongStart?: (first: EventSourceMessage) => boolean;
  },
) {
  const response = await readRawStream(`${url}/stream${query}`, {
    headers: lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId },
    until: (text) => {
      const { events } = parseEventStream(text);
      return events.length >= count || (events[0] !== undefined && wrongStart(events[0]));
    },
    timeoutMs: 400,
  });
  const parsed = parseEventStream(response.text);
  return { ...response, retries: parsed.retries, events: parsed.events };
}

const idsOf = (events: { id?: string }[]) => events.map((event) => event.id);

describe("lab08 — where a page resumes", () => {
  test("TODO 1 · a page with nothing stored gets every held item, in order, as `news` events with ids", async () => {
    const { url } = await newsServer(3, { retryMs: 1234 });
    const { status, headers, retries, events } = await openStream(url, {
      count: 3,
      wrongStart: (first) => first.event === "reset",
    });
    const reset = events.find((event) => event.event === "reset");
    expect(
      reset,
      `lab08 TODO 1: with no Last-Event-ID header and no ?lastEventId= the resume id is undefined (a page with nothing stored), but the server answered a reset: ${reset?.data}`,
    ).toBeUndefined();
    expect(status).toBe(200);
    expect(headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(headers["cache-control"]).toBe("no-cache");
    expect(headers["x-accel-buffering"]).toBe("no");
    expect(retries, "retry: first, once").toEqual([1234]);
    expect(events.map((event) => [event.event, event.id, JSON.parse(event.data).title])).toEqual([
      ["news", "1", "headline 1"],
      ["news", "2", "headline 2"],
      ["news", "3", "headline 3"],
    ]);
  });

  test("TODO 1 · a page just opened, with ?lastEventId=3 (it cannot send the header), gets exactly 4 and 5", async () => {
    const { url } = await newsServer(5);
    const { events } = await openStream(url, { query: "?lastEventId=3", count: 2 });
    expect(
      idsOf(events),
      `lab08 TODO 1: with no Last-Event-ID header, resume from the ?lastEventId= query: send 4 and 5 — got ids ${idsOf(events).join(",") || "none"}`,
    ).toEqual(["4", "5"]);
  });

  test("TODO 1 · the header wins over the query: a browser's reconnect reuses the page's URL, whose id is stale", async () => {
    const { url } = await newsServer(5);
    const needsQuery = await openStream(url, { query: "?lastEventId=3", count: 2 });
    expect(
      idsOf(needsQuery.events),
      "lab08 TODO 1: first, resume from ?lastEventId= when there is no header",
    ).toEqual(["4", "5"]);
    const both = await openStream(url, { query: "?lastEventId=2", lastEventId: "4", count: 1 });
    expect(
      idsOf(both.events),
      `lab08 TODO 1: Last-Event-ID: 4 with ?lastEventId=2 should give 5 alone (the header wins) — got ${idsOf(both.events).join(",")}`,
    ).toEqual(["5"]);
  });

  test.each([
    ["?lastEventId=banana", "?lastEventId=banana", undefined, "malformed id"],
    ["?lastEventId=-1", "?lastEventId=-1", undefined, "malformed id"],
    [
      "?lastEventId= and 5000 digits",
      `?lastEventId=${"9".repeat(5000)}`,
      undefined,
      "malformed id",
    ],
    ["?lastEventId=1&lastEventId=2", "?lastEventId=1&lastEventId=2", undefined, "malformed id"],
    ["?lastEventId=999 (never given out)", "?lastEventId=999", undefined, "unknown id"],
    ["?lastEventId=3 and the header Last-Event-ID: 999", "?lastEventId=3", "999", "unknown id"],
  ])(
    "TODO 1 · %s gets a reset, then every held item",
    async (_what, query, lastEventId, reason) => {
      const { url } = await newsServer(5);
      const { status, events } = await openStream(url, {
        query,
        lastEventId,
        count: 6,
        wrongStart: (first) => first.event !== "reset",
      });
      expect(status, "the server must answer 200 whatever the id holds").toBe(200);
      expect(
        [events[0]?.event, events[0] && JSON.parse(events[0].data).reason],
        `lab08 TODO 1: an id the server cannot resume from (here from the ${lastEventId === undefined ? "query" : "header"}) should get \`event: reset\` with reason "${reason}" first — got ${JSON.stringify(events[0])}`,
      ).toEqual(["reset", reason]);
      expect(idsOf(events.slice(1)), "after the reset, every held item").toEqual([
        "1",
        "2",
        "3",
        "4",
        "5",
      ]);
    },
  );

  test("the history is bounded: a new page gets the newest items, an id older than them gets a reset", async () => {
    const { url } = await newsServer(10, { historySize: 4 });
    const fresh = await openStream(url, { count: 4 });
    expect(idsOf(fresh.events), "historySize 4: the 4 newest").toEqual(["7", "8", "9", "10"]);
    const tooOld = await openStream(url, { lastEventId: "2", count: 5 });
    expect(
      [tooOld.events[0]?.event, JSON.parse(tooOld.events[0]?.data ?? "{}").reason],
      "items 3..6 are gone: resuming after 2 would hide a gap",
    ).toEqual(["reset", "too old"]);
    expect(idsOf(tooOld.events.slice(1))).toEqual(["7", "8", "9", "10"]);
    const upToDate = await openStream(url, { lastEventId: "10", count: 1 });
    expect(upToDate.events, "an up-to-date page gets nothing to replay").toEqual([]);
  });
});

describe("lab08 — publishing, and what the server refuses", () => {
  test("POST /news with JSON gives the item the next id and sends it to every open stream", async () => {
    const lab = await newsServer(2);
    const reader = connect(`${lab.url}/stream`, { eventTypes: ["news"] });
    await reader.waitForEvents(2, "the reader should get the 2 held items", { type: "news" });
    const response = await request(lab.url).post("/news").send({ title: "line one\nline two" });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ id: 3, delivered: 1 });
    const [, , third] = await reader.waitForEvents(3, "the reader should get item 3", {
      type: "news",
    });
    expect(third?.lastEventId).toBe("3");
    expect(JSON.parse(third?.data ?? "{}").title, "a newline in a title arrives intact").toBe(
      "line one\nline two",
    );
  });

  test.each([
    [
      "text/plain (what a foreign page can send without a preflight)",
      "text/plain",
      '{"title":"x"}',
      415,
    ],
    ["a form post", "application/x-www-form-urlencoded", "title=x", 415],
    ["invalid JSON", "application/json", '{"title":', 400],
    ["no title", "application/json", '{"name":"x"}', 400],
    ["an empty title", "application/json", '{"title":"  "}', 400],
    ["a title too long", "application/json", JSON.stringify({ title: "x".repeat(201) }), 400],
    ["a body too large", "application/json", JSON.stringify({ title: "x".repeat(2000) }), 413],
  ])("POST /news with %s is refused and publishes nothing", async (_what, type, body, status) => {
    const lab = await newsServer(2);
    const response = await request(lab.url).post("/news").set("Content-Type", type).send(body);
    expect(response.status).toBe(status);
    expect(response.body.error, "errors are JSON { error }").toEqual(expect.any(String));
    expect(lab.running.publish("next"), "nothing was published: the next id is 3").toBe(3);
  });

  test("CORS: the page's origin may send Last-Event-ID and JSON; another origin is not allowed", async () => {
    const lab = await newsServer(1, { corsOrigins: ["http://page.test"] });
    const preflight = await request(lab.url)
      .options("/news")
      .set("Origin", "http://page.test")
      .set("Access-Control-Request-Method", "POST")
      .set("Access-Control-Request-Headers", "content-type,last-event-id");
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://page.test");
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/Last-Event-ID/i);
    const foreign = await request(lab.url)
      .options("/news")
      .set("Origin", "http://evil.test")
      .set("Access-Control-Request-Method", "POST");
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

// HEAD, 405/404, 415, port in use and the slow-client cap: lab08-client-storage.hardening.test.ts.
describe("lab08 — resources", () => {
  test("no stream or timer is left once clients leave", async () => {
    const lab = await newsServer(3, { intervalMs: 5 });
    const timersBefore = activeTimers();
    const readers = Array.from({ length: 10 }, () =>
      connect(`${lab.url}/stream`, { eventTypes: ["news"] }),
    );
    await Promise.all(
      readers.map((reader) =>
        reader.waitForEvents(4, "each reader should get items and ticks", { type: "news" }),
      ),
    );
    for (const reader of readers) reader.close();
    // The server may count a client for a moment after it left: wait, do not assert at once.
    await waitFor(() => lab.running.stats().clients === 0 && activeTimers() <= timersBefore, {
      timeoutMs: 2000,
      message: "every stream should be forgotten once its client leaves",
      describe: () =>
        `${lab.running.stats().clients} streams, ${activeTimers() - timersBefore} extra timers`,
    });
  });
});
