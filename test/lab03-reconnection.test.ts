import request from "supertest";
import { describe, expect, test } from "vitest";
import {
  activeTimers,
  connect,
  delay,
  parseEventStream,
  readRawStream,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab03-reconnection";

/** Publish n signups (ids 1..n on a fresh server with ticks off). */
async function publishSignups(url: string, n: number) {
  for (let i = 1; i <= n; i++)
    await request(url)
      .post("/signup")
      .send({ name: `user ${i}` });
}

/** Connect with raw HTTP, sending a Last-Event-ID, and parse what arrives until `count` events. */
async function resumeWith(url: string, lastEventId: string, count: number) {
  const response = await readRawStream(`${url}/stream`, {
    headers: { "Last-Event-ID": lastEventId },
    until: (text) => parseEventStream(text).events.length >= count,
    // A replay is written all at once on connect: once the server falls silent, it is done.
    quietMs: 150,
    timeoutMs: 2000,
  });
  return { status: response.status, events: parseEventStream(response.text).events };
}

/** True if ids are consecutive whole numbers: no gap, no duplicate, in order. */
function gapsAndDuplicates(ids: number[]): string[] {
  const problems: string[] = [];
  ids.forEach((id, i) => {
    const previous = ids[i - 1];
    if (previous !== undefined && id !== previous + 1) {
      problems.push(
        id <= previous ? `duplicate/out of order ${id} after ${previous}` : `gap ${previous}→${id}`,
      );
    }
  });
  return problems;
}

describe("lab03 — ids and retry", () => {
  test("TODO 1, 2 · every event carries an increasing id, and retry: is sent once", async () => {
    const { url } = await startLab(lab, { intervalMs: 5, retryMs: 1234 });
    const response = await readRawStream(`${url}/stream`, {
      until: (text) => parseEventStream(text).events.length >= 3,
    });
    const parsed = parseEventStream(response.text);
    const ids = parsed.events.map((event) => Number(event.id));
    expect(
      parsed.events.every((event) => /^\d+$/.test(event.id ?? "")),
      `lab03 TODO 1: give every event an id: line with its number; the bytes were ${JSON.stringify(response.text.slice(0, 200))}`,
    ).toBe(true);
    expect(gapsAndDuplicates(ids), "lab03 TODO 1: ids should count up by one").toEqual([]);
    expect(
      parsed.retries,
      "lab03 TODO 2: send `retry: <retryMs>` once, when the stream opens",
    ).toEqual([1234]);
  });
});

describe("lab03 — Last-Event-ID replay", () => {
  test("TODO 3 · a client that comes back with Last-Event-ID: 3 gets exactly 4 and 5", async () => {
    const { url } = await startLab(lab, { intervalMs: 0 });
    await publishSignups(url, 5);
    const { events } = await resumeWith(url, "3", 2);
    expect(
      events.map((event) => `${event.id} ${event.data}`),
      `lab03 TODO 3: after Last-Event-ID: 3 send the missed events 4 and 5, once each — got ${events.map((e) => e.id).join(",") || "nothing"}`,
    ).toEqual(['4 {"name":"user 4"}', '5 {"name":"user 5"}']);
  });

  test("TODO 3 · a client that is up to date gets no replay, and a new client gets none either", async () => {
    const { url } = await startLab(lab, { intervalMs: 0 });
    await publishSignups(url, 3);
    expect(
      (await resumeWith(url, "3", 1)).events,
      "Last-Event-ID: 3 is up to date: nothing to replay",
    ).toEqual([]);
    const fresh = await readRawStream(`${url}/stream`, { until: () => false, timeoutMs: 200 });
    expect(
      parseEventStream(fresh.text).events,
      "a new client starts with live events only",
    ).toEqual([]);
  });

  test.each([
    ["garbage", "banana", "malformed id"],
    ["negative", "-1", "malformed id"],
    ["10 KB long", "9".repeat(10_000), "malformed id"],
    ["from the future", "999", "unknown id"],
    ["older than the history", "2", "too old"],
  ])(
    "TODO 4 · a Last-Event-ID that is %s gets a reset event, then what history holds",
    async (_what, lastEventId, reason) => {
      // historySize 4 and 10 events: the server holds 7..10, so id 2 is too old to resume from.
      const { url } = await startLab(lab, { intervalMs: 0, historySize: 4 });
      await publishSignups(url, 10);
      const { status, events } = await resumeWith(url, lastEventId, 5);
      expect(status, "the server must answer 200 whatever the header holds").toBe(200);
      expect(
        events[0]?.event,
        `lab03 TODO 4: for Last-Event-ID ${JSON.stringify(lastEventId.slice(0, 20))} send an \`event: reset\` first, so the client knows it missed something`,
      ).toBe("reset");
      expect(
        JSON.parse(events[0]?.data ?? "{}").reason,
        `lab03 TODO 4: the reset's reason should be "${reason}"`,
      ).toBe(reason);
      expect(
        events.slice(1).map((event) => event.id),
        "after the reset, replay the events history holds",
      ).toEqual(["7", "8", "9", "10"]);
    },
  );
});

describe("lab03 — the edges of the history", () => {
  test("TODO 4 · with 7..10 held, Last-Event-ID 6 resumes with 7..10 and 5 gets a reset (too old)", async () => {
    // historySize 4 and 10 events: the server holds 7..10. A client that saw 6 misses nothing
    // the server lacks; a client that saw 5 missed 6, which is gone: only a reset is honest.
    const { url } = await startLab(lab, { intervalMs: 0, historySize: 4 });
    await publishSignups(url, 10);
    const six = await resumeWith(url, "6", 4);
    expect(
      six.events.map((event) => (event.event === "reset" ? "reset" : event.id)),
      six.events.length === 0
        ? "lab03 TODO 3: after Last-Event-ID 6, replay the held events after it (7..10) — nothing came"
        : "lab03 TODO 4: Last-Event-ID 6 with 7..10 held is NOT too old (nothing after 6 was dropped): replay 7..10, no reset",
    ).toEqual(["7", "8", "9", "10"]);
    const five = await resumeWith(url, "5", 5);
    expect(
      five.events.map((event) =>
        event.event === "reset" ? `reset (${JSON.parse(event.data).reason})` : event.id,
      ),
      'lab03 TODO 4: Last-Event-ID 5 with 7..10 held missed event 6, which is gone: send a reset with reason "too old", then 7..10 — replaying 7..10 alone would hide the gap',
    ).toEqual(["reset (too old)", "7", "8", "9", "10"]);
  });

  test("TODO 4 · the newest id resumes with nothing, one past it is an unknown id", async () => {
    const { url } = await startLab(lab, { intervalMs: 0, historySize: 4 });
    await publishSignups(url, 10);
    const ten = await resumeWith(url, "10", 1);
    expect(
      ten.events.map((event) => event.event ?? event.id),
      "lab03 TODO 4: Last-Event-ID 10 is the newest event: the client is up to date, nothing to send",
    ).toEqual([]);
    const eleven = await resumeWith(url, "11", 5);
    expect(
      eleven.events.map((event) =>
        event.event === "reset" ? `reset (${JSON.parse(event.data).reason})` : event.id,
      ),
      'lab03 TODO 4: Last-Event-ID 11 was never given out (the newest is 10): reset with reason "unknown id", then 7..10',
    ).toEqual(["reset (unknown id)", "7", "8", "9", "10"]);
  });
});

describe("lab03 — reconnecting for real", () => {
  test("TODO 3 · after the server cuts the stream, the client waits `retry`, resumes, and misses nothing", async () => {
    const retryMs = 200;
    const server = await startLab(lab, { intervalMs: 5, retryMs });
    // What a resume needs, read off the first bytes: without ids or retry: the client would
    // sit out its default 3 s and the test would only say so at its deadline.
    const first = parseEventStream(
      (
        await readRawStream(`${server.url}/stream`, {
          until: (text) => parseEventStream(text).events.length >= 1,
        })
      ).text,
    );
    expect(first.events[0]?.id, "lab03 TODO 1: every event needs an id: line").toMatch(/^\d+$/);
    expect(first.retries, `lab03 TODO 2: the stream should start with retry: ${retryMs}`).toEqual([
      retryMs,
    ]);
    const client = connect(`${server.url}/stream`, { eventTypes: ["reset"] });

    for (let cut = 1; cut <= 3; cut++) {
      await client.waitForEvents(cut * 10, "ticks should keep arriving");
      const cutAt = performance.now();
      server.dropConnections();
      await waitFor(() => client.opens > cut, {
        timeoutMs: 2000,
        message: "lab03 TODO 2: the client did not come back within 2 s; is retry: sent?",
      });
      const waited = performance.now() - cutAt;
      expect(
        waited,
        `the client should wait about retry: ${retryMs} ms before reconnecting (waited ${waited.toFixed(0)} ms)`,
      ).toBeGreaterThanOrEqual(retryMs * 0.8);
      expect(
        waited,
        `lab03 TODO 2: it waited ${waited.toFixed(0)} ms: the server's retry: ${retryMs} was not applied`,
      ).toBeLessThan(1500);
      // Compared with what had arrived when the client reconnected: a tick already on its way
      // when the connection was cut still counts as seen.
      const attempt = client.attempts[cut];
      expect(
        attempt?.lastEventId,
        "the client should send the last id it saw as Last-Event-ID",
      ).toBe(attempt?.lastIdReceived);
    }
    await client.waitForEvents(40, "ticks should go on after the last reconnect");
    client.close();

    const ids = client.events.map((event) => Number(event.lastEventId));
    expect(client.data("reset"), "a normal reconnect should never need a reset").toEqual([]);
    expect(
      gapsAndDuplicates(ids),
      `lab03 TODO 3: across 3 reconnects every event should arrive exactly once (ids ${ids[0]}..${ids.at(-1)})`,
    ).toEqual([]);
  });

  test("TODO 5 · HTTP 204 stops the client for good: CLOSED, no more reconnects", async () => {
    const server = await startLab(lab, { intervalMs: 5, retryMs: 20 });
    // The client must come back quickly to be told 204: that needs TODO 2's retry: line.
    const opening = await readRawStream(`${server.url}/stream`, {
      until: (text) => parseEventStream(text).retries.length > 0,
      timeoutMs: 500,
    });
    expect(
      parseEventStream(opening.text).retries,
      "lab03 TODO 2 (this TODO 5 test needs it): send `retry: 20` when the stream opens, so the client comes back in time to be told 204",
    ).toEqual([20]);
    const client = connect(`${server.url}/stream`);
    await client.waitForEvents(1, "the client should get a tick");

    const ended = await request(server.url).post("/stream/end").send({});
    expect(ended.status, "lab03 TODO 5: POST /stream/end should answer 204").toBe(204);
    await waitFor(() => client.source.readyState === client.source.CLOSED, {
      timeoutMs: 2000,
      message:
        "lab03 TODO 5: after /stream/end, a reconnect should get 204 and the client should end CLOSED",
      describe: () => `readyState ${client.source.readyState}, ${client.attempts.length} attempts`,
    });
    const attempts = client.attempts.length;
    await delay(100);
    expect(client.attempts.length, "a CLOSED client must not try again").toBe(attempts);
    expect(server.running.stats().clients, "no stream should stay open").toBe(0);
  });

  test("no stream or timer is left once clients leave", async () => {
    const server = await startLab(lab, { intervalMs: 5 });
    const timersBefore = activeTimers();
    const clients = Array.from({ length: 10 }, () => connect(`${server.url}/stream`));
    await Promise.all(
      clients.map((client) => client.waitForEvents(2, "each client should get ticks")),
    );
    for (const client of clients) client.close();
    await waitFor(() => server.running.stats().clients === 0 && activeTimers() <= timersBefore, {
      timeoutMs: 2000,
      message: "every stream should be forgotten once its client leaves",
      describe: () =>
        `${server.running.stats().clients} streams, ${activeTimers() - timersBefore} extra timers`,
    });
  });
});
