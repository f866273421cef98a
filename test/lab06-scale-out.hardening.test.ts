// The hardening rules on lab 06's server (in-memory broker; Redis where it matters): slow clients are cut, only JSON changes state (no
// other site can end the broadcast), HEAD, wrong methods, unknown paths and a port in use get
// a clear answer, and an empty event name is refused.
import { describe, expect, test } from "vitest";
import {
  connect,
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  expectStalledClientsCut,
  importLab,
  jsonError,
  readRawStream,
  sendRequest,
  startLab,
  startRedis,
} from "./helpers/index.ts";

const lab = "lab06-scale-out";
const labOptions = { intervalMs: 0, retryMs: 50, heartbeatMs: 0 };

const { encodeEvent } = await importLab<{
  encodeEvent(event: { event?: string; data?: string }): string;
}>(lab, "encode-event.ts");

/** What a page on another site can send without a preflight: a "simple" cross-site POST. */
const foreignPosts: { what: string; headers: Record<string, string>; body: string }[] = [
  { what: "a no-cors fetch with no body", headers: {}, body: "" },
  { what: "a text/plain body", headers: { "Content-Type": "text/plain" }, body: "{}" },
  {
    what: "an HTML form",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "end=1",
  },
];

describe("lab06 — a client that stops reading", () => {
  test("never-reading clients are cut at maxBufferedBytes; the others get every event", async () => {
    await expectStalledClientsCut(lab, labOptions);
  }, 30_000);
});

describe("lab06 — state changes only with JSON (CSRF)", () => {
  test("a foreign page's POST /stream/end is refused with 415 and the stream goes on", async () => {
    const { url, running } = await startLab(lab, labOptions);
    const client = connect(`${url}/stream`);
    await client.waitForOpen("the client should connect");
    for (const { what, headers, body } of foreignPosts) {
      const response = await sendRequest(`${url}/stream/end`, {
        method: "POST",
        headers: { Origin: "http://evil.example", ...headers },
        body,
      });
      expect(
        response.status,
        `POST /stream/end from another site (${what}) must not end the broadcast (415) — got ${response.status}`,
      ).toBe(415);
      expect(jsonError(response), '415 should come with JSON {"error": "…"}').toBeTypeOf("string");
    }
    expect(running.stats().clients, "the client must still be connected").toBe(1);
    const again = await readRawStream(`${url}/stream`, { until: (text) => text.includes("\n\n") });
    expect(again.status, "GET /stream should still answer 200 after refused POSTs").toBe(200);
    // The lab's own page (JSON) still can.
    const ended = await sendRequest(`${url}/stream/end`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(ended.status, "POST /stream/end with a JSON body should answer 204").toBe(204);
  });

  test("a non-JSON POST /signup gets 415 and publishes nothing", async () => {
    const { url } = await startLab(lab, labOptions);
    const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("the client should connect");
    for (const { what, headers } of foreignPosts) {
      const response = await sendRequest(`${url}/signup`, {
        method: "POST",
        headers: { Origin: "http://evil.example", ...headers },
        body: '{"name":"Mallory"}',
      });
      expect(response.status, `POST /signup as ${what} should answer 415`).toBe(415);
    }
    expect(client.data("signup"), "nothing may be published for a refused request").toEqual([]);
  });

  test("a foreign origin's preflight for a JSON POST gets no permission", async () => {
    const { url } = await startLab(lab, labOptions);
    const preflight = await sendRequest(`${url}/stream/end`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(
      preflight.headers["access-control-allow-origin"],
      "the CORS allowlist must not allow http://evil.example",
    ).toBeUndefined();
  });
});

describe("lab06 — a server that answers every request", () => {
  test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
    const { url, running } = await startLab(lab, labOptions);
    await expectHeadAnswersAtOnce(url, () => running.stats().clients ?? 0);
  });

  test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
    const { url } = await startLab(lab, labOptions);
    await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "GET", "/signup", ["POST"]);
    await expectJsonNotFound(url);
  });

  test("GET /stream/end gets 405 with Allow: POST", async () => {
    const { url } = await startLab(lab, labOptions);
    const response = await sendRequest(`${url}/stream/end`);
    expect(response.status, "POST /stream/end should exist, so GET /stream/end answers 405").toBe(
      405,
    );
    await expectMethodNotAllowed(url, "GET", "/stream/end", ["POST"]);
  });

  test("a malformed Last-Event-ID gets a reset event, not an error", async () => {
    const { url } = await startLab(lab, labOptions);
    for (const id of ["abc", "-1", "1e3", "99999999999999999999999-0", "x".repeat(5000)]) {
      const response = await readRawStream(`${url}/stream`, {
        headers: { "Last-Event-ID": id },
        until: (text) => text.includes("event: reset"),
      });
      expect(response.status, `Last-Event-ID ${id.slice(0, 30)} should still get 200`).toBe(200);
      expect(response.text, `Last-Event-ID ${id.slice(0, 30)} should get a reset event`).toContain(
        "event: reset",
      );
    }
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { server } = await startLab(lab, labOptions);
    await expectPortInUseMessage(lab, 6, (server.address() as { port: number }).port);
  });

  test("encodeEvent refuses an empty event name", () => {
    expect(
      () => encodeEvent({ event: "", data: "x" }),
      "`event: ` with no name arrives as a message",
    ).toThrow(Error);
  });
});

describe("lab06 — ids Redis cannot take are the client's problem, not an outage", () => {
  test("TODO 5 · a Last-Event-ID out of Redis's range gets a reset and what is kept, not a reconnect loop", async () => {
    const redis = await startRedis();
    const { url } = await startLab(lab, {
      ...labOptions,
      redisUrl: redis.url,
      redisBlockMs: 100,
      redisRetryMs: 20,
    });
    const signup = await sendRequest(`${url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"name":"Ada"}',
    });
    expect(signup.status, "lab06 TODO 1: POST /signup should store the event in Redis (202)").toBe(
      202,
    );
    const kept = (JSON.parse(signup.text) as { id: string }).id;
    for (const id of [
      "99999999999999999999999-0",
      "1-99999999999999999999999",
      "18446744073709551616-0",
      "abc",
      "1-2-3",
    ]) {
      const response = await readRawStream(`${url}/stream`, {
        headers: { "Last-Event-ID": id },
        until: (text) => text.includes(`id: ${kept}`),
        timeoutMs: 3000,
      });
      expect(response.status, `Last-Event-ID ${id} should get 200`).toBe(200);
      expect(
        response.text,
        `lab06 TODO 5: Last-Event-ID ${id} is an id Redis cannot take (XRANGE would fail): answer reset "malformed id" and what is kept, not "Redis unavailable" (the client would retry with it forever) — got ${JSON.stringify(response.text.slice(0, 200))}`,
      ).toMatch(/event: reset\ndata: \{"reason":"malformed id"/);
      expect(response.text, `after the reset, the kept event ${kept} follows`).toContain(
        `id: ${kept}`,
      );
    }
  }, 20_000);

  test("TODO 5 · the largest id Redis takes is still an ordinary unknown id", async () => {
    const redis = await startRedis();
    const { url } = await startLab(lab, {
      ...labOptions,
      redisUrl: redis.url,
      redisBlockMs: 100,
      redisRetryMs: 20,
    });
    const response = await readRawStream(`${url}/stream`, {
      headers: { "Last-Event-ID": "18446744073709551615-18446744073709551615" },
      until: (text) => text.includes("event: reset"),
      timeoutMs: 3000,
    });
    expect(
      response.text,
      'lab06 TODO 5: an id Redis can take but never gave out should get reset "unknown id"',
    ).toMatch(/event: reset\ndata: \{"reason":"unknown id"/);
  }, 20_000);
});
